"""Assembly: spec + library -> Document (a handout; the clinician report). Pure: no I/O, no
renderer."""
