"""The garbage collection policy of a process that builds many handouts."""

import gc

import pytest

from handouts.outputs.collecting import FULL_EVERY, Collector


@pytest.fixture
def collections(monkeypatch):
    """What the collector asks of gc (nothing really collected or frozen here: the test
    process's own heap is left alone)."""
    calls: list = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(generation) or 0)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    return calls


def test_nothing_is_collected_during_a_handout_and_its_garbage_after(collections):
    collector = Collector()
    collector.start()
    assert collections == [2, "freeze"]  # what warm-up loaded lives as long as the process
    collections.clear()
    for _ in range(FULL_EVERY):
        with collector.job():
            assert not gc.isenabled()
        assert gc.isenabled()
    # young objects after each handout; everything, then a freeze, every FULL_EVERY
    assert collections == [1] * (FULL_EVERY - 1) + [2, "freeze"]


def test_a_failing_handout_leaves_collection_on(collections):
    collector = Collector()
    collector.start()
    with pytest.raises(RuntimeError), collector.job():
        raise RuntimeError("a bug in one handout")
    assert gc.isenabled()
    assert collections[-1] == 1


def test_off_until_started_and_never_turns_collection_on(collections):
    with Collector().job():  # a process that is not a worker: Python's own policy
        assert gc.isenabled()
    collector = Collector()
    collector.start()
    gc.disable()  # someone else's choice is kept
    try:
        with collector.job():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
