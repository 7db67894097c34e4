"""Beaufort force from m/s at every bound of DOMAIN.md's table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.warnings.beaufort import beaufort_force, lower_bound_ms

DOMAIN_BOUNDS = {
    6: 10.8,
    7: 13.9,
    8: 17.2,
    9: 20.8,
    10: 24.5,
    11: 28.5,
    12: 32.7,
    13: 37.0,
    14: 41.5,
}


@pytest.mark.parametrize(("force", "bound"), sorted(DOMAIN_BOUNDS.items()))
def test_each_bound_starts_its_force(force: int, bound: float):
    assert beaufort_force(bound) == force
    assert beaufort_force(round(bound - 0.1, 1)) == force - 1
    assert beaufort_force(bound - 0.001) == force - 1
    assert lower_bound_ms(force) == bound


def test_decimal_input_and_calm():
    assert beaufort_force(Decimal("10.8")) == 6
    assert beaufort_force(Decimal("10.79999")) == 5
    assert beaufort_force(0) == 0
    assert beaufort_force(-0.2) == 0
    assert beaufort_force(70.0) == 17


def test_lower_bound_rejects_unknown_force():
    with pytest.raises(ValueError):
        lower_bound_ms(18)
