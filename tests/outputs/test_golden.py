"""Byte-identical outputs: the example matrix (every spec and packet file x site x paper,
PDF and HTML, and the report) hashes as recorded in tests/fixtures/golden/outputs.sha256
(see tests/golden.py)."""

from __future__ import annotations

from tests.golden import hashes, recorded


def test_every_example_output_is_byte_identical_to_the_recorded_one():
    now, old = hashes(), recorded()
    assert len(now) == len(old) == 4 * 2 * 8 * 2 + 1  # 7 specs and 1 packet file
    changed = sorted(name for name in now if now[name] != old.get(name))
    assert changed == [], ("outputs changed; if that was meant, look at the pages, then run "
                           "`python -m tests.golden --update` and commit the new hashes")
