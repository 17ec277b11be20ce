"""What comes in: YAML read with line numbers, validated into the spec, site and patient models;
medicine names read against the vocabulary; FHIR."""
