"""The garbage collector's tuning for long-running processes (kit/heap.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from firstmile.kit import heap
from firstmile.kit.settings import load_settings


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(heap, "_settled", False)
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)


def test_settle_freezes_what_the_process_holds_and_raises_the_young_threshold(
    fresh_process: None,
) -> None:
    _, older, oldest = gc.get_threshold()
    assert heap.settle(load_settings(gc_young_threshold=12_345)) is True
    assert gc.get_threshold() == (12_345, older, oldest)
    assert gc.get_freeze_count() > 0
    # once per process: a second app in the same process changes nothing
    assert heap.settle(load_settings(gc_young_threshold=777)) is False
    assert gc.get_threshold()[0] == 12_345


def test_a_zero_threshold_keeps_pythons_own(fresh_process: None) -> None:
    before = gc.get_threshold()
    assert heap.settle(load_settings(gc_young_threshold=0)) is True
    assert gc.get_threshold() == before


def test_cycles_are_still_collected_after_settling(fresh_process: None) -> None:
    heap.settle(load_settings(gc_young_threshold=10_000))

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
