"""The worker caps glibc's malloc arenas unless the environment already does."""

from __future__ import annotations

import gc

from pipeline.worker import GC_YOUNG_THRESHOLD, limit_malloc_arenas, settle_garbage_collector


def test_the_environment_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_the_cap_is_set_with_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas(2) is True  # this machine runs glibc


def test_the_reference_data_is_frozen_and_young_collections_are_rarer():
    before = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
