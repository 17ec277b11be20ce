"""A FHIR R4 medication list -> the same patient.medications a spec has, before assembly.

Reads a Bundle (any type), a single MedicationStatement or MedicationRequest, or a JSON
array of them; validates it with `fhir.resources` (its R4B models, which read R4 medication
resources); takes the RxNorm coding's display, else the medication's text, else another
coding's display; and skips entries that are stopped, completed, cancelled, not taken,
entered in error, draft orders not yet signed, or that name no medicine. Medicines on hold
(paused: the patient may take them again), intended or of unknown status are taken, and
counted by status in the summary, so the clinician knows what the leaflet assumed.
Messages count entries, never quote them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import SpecError
from handouts.files import BadJson, Unreadable, parse_json, read_regular

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
KINDS = ("MedicationStatement", "MedicationRequest")
SKIPPED = frozenset({"stopped", "completed", "cancelled", "not-taken", "entered-in-error",
                     "draft"})
# Statuses taken as current but named in the summary: a paused medicine may be restarted.
NAMED = {"on-hold": "on hold", "intended": "intended", "unknown": "status unknown"}
MAX_BYTES = 20 * 1024 * 1024
WHERE = "--fhir"


@dataclass(frozen=True)
class FhirMedications:
    """The medicines taken from a FHIR file, in file order, and what was skipped."""

    entries: tuple[str, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)  # NAMED statuses among the entries

    def summary(self, where: str = WHERE) -> str:
        """One line for the terminal (or a page): counts only, never a medicine's name."""
        taken = f"took {len(self.entries)} medicine{'s' * (len(self.entries) != 1)}"
        if self.taken:
            taken += " (" + ", ".join(f"{n} {NAMED[status]}" for status, n in
                                      sorted(self.taken.items())) + ")"
        if not self.skipped:
            return f"{where}: {taken}"
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return f"{where}: {taken}, skipped {sum(self.skipped.values())} ({reasons})"


def read_medications(path: Path) -> FhirMedications:
    """The patient's current medicines from a FHIR JSON file; SpecError if it is not one."""
    try:
        data = read_regular(path, MAX_BYTES)
    except Unreadable as exc:
        raise SpecError.one(f"FHIR file {exc}", path, field=WHERE) from None
    return medications_from_bytes(data, path)


def medications_from_bytes(data: bytes, source: str | Path, where: str = WHERE
                           ) -> FhirMedications:
    """The same, from a file's bytes already in memory (an upload: nothing touches disk).
    `source` names the file in messages; `where` is the field they are reported under."""
    if len(data) > MAX_BYTES:
        raise SpecError.one(f"larger than {MAX_BYTES // (1024 * 1024)} MB", source, field=where)
    try:
        return _medications(_parse_json(data, source, where), source)
    except SpecError as exc:
        raise SpecError([dataclasses.replace(p, field=where) for p in exc.problems]) from None


def _medications(data, path: str | Path) -> FhirMedications:
    resources = _medication_resources(data, path)
    if resources is None:
        raise SpecError.one("expected a FHIR Bundle, a MedicationStatement or "
                            "MedicationRequest, or a JSON list of them", path, field=WHERE)
    entries, skipped, taken = [], Counter(), Counter()
    for resource, medications in resources:
        status = resource.status or "unknown"
        if status in SKIPPED:
            skipped[status] += 1
            continue
        name = _name(resource, medications)
        if name is None:
            skipped["without a medicine name"] += 1
            continue
        entries.append(name)
        if status in NAMED:
            taken[status] += 1
    return FhirMedications(tuple(entries), dict(skipped), dict(taken))


def _parse_json(data: bytes, source: str | Path, where: str):
    """The bounded JSON reader every JSON input goes through (depth, digits, NaN)."""
    try:
        return parse_json(data)
    except BadJson as exc:
        raise SpecError.one(str(exc), source, line=exc.line, field=where) from None


def _medication_resources(data, path: str | Path):
    """(MedicationStatement or MedicationRequest, {reference: Medication}) pairs, validated;
    None if the file holds none of the accepted shapes."""
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    kinds = {i.get("resourceType") for i in items}
    if not kinds <= {"Bundle", *KINDS}:
        return None
    out = []
    for number, item in enumerate(items, start=1):
        resource = _validate(item, path, number if isinstance(data, list) else None)
        if item.get("resourceType") == "Bundle":
            medications = {}
            for entry in resource.entry or ():
                if entry.resource is not None and entry.resource.get_resource_type() == \
                        "Medication":
                    medications.update(_references(entry.fullUrl, entry.resource))
            out += [(e.resource, medications) for e in resource.entry or ()
                    if e.resource is not None and e.resource.get_resource_type() in KINDS]
        else:
            out.append((resource, {}))
    return out


def _validate(item: dict, path: str | Path, number: int | None):
    """The fhir.resources model of one resource; its errors name fields, never values."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        model = get_fhir_model_class(item["resourceType"])
        return model.model_validate(item)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0]["loc"])
        item_name = f"item {number}: " if number else ""
        raise SpecError.one(f"{item_name}not a valid FHIR R4 {item['resourceType']}: "
                            f"{len(errors)} problem{'s' * (len(errors) != 1)}, the first "
                            f"at {where} ({errors[0]['type']})", path, field=WHERE) from None


def _references(full_url: str | None, medication) -> dict:
    keys = [f"Medication/{medication.id}"] if medication.id else []
    if full_url:
        keys.append(full_url)
    return dict.fromkeys(keys, medication)


def _name(resource, medications: dict) -> str | None:
    """The RxNorm display, else the text, else any coding's display."""
    concept = resource.medicationCodeableConcept
    reference = resource.medicationReference
    if concept is None and reference is not None and reference.reference:
        target = reference.reference
        if target.startswith("#"):
            contained = {c.id: c for c in resource.contained or ()}
            medication = contained.get(target[1:])
        else:
            medication = medications.get(target)
        concept = medication.code if medication is not None else None
        if concept is None and reference.display:
            return reference.display.strip() or None
    if concept is None:
        return None
    codings = concept.coding or []
    for choice in ([c.display for c in codings if c.system == RXNORM],
                   [concept.text], [c.display for c in codings]):
        for text in choice:
            if text and text.strip():
                return text.strip()
    return None
