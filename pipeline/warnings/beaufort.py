"""Wind speed (m/s) to Beaufort force.

Forces 6-14 are the thresholds of DOMAIN.md (CMA Decree 16, 2007: "Beaufort force to m/s,
10-minute mean"). Forces 0-5 and 15-17 complete the scale with the lower bounds of
GB/T 28591-2012 (风力等级, the WMO Beaufort scale in m/s); the warning rules use forces 6 and
above only. Bounds are inclusive lower limits at 0.1 m/s resolution: 10.8 m/s is force 6,
10.79 m/s is force 5. Gusts use the same scale ("阵风8级" is a gust in the force-8 range).
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

#: (force, lower bound in m/s); force n holds for speeds >= its bound and below the next one
BEAUFORT_LOWER_BOUNDS_MS: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal("0.0")),
    (1, Decimal("0.3")),
    (2, Decimal("1.6")),
    (3, Decimal("3.4")),
    (4, Decimal("5.5")),
    (5, Decimal("8.0")),
    (6, Decimal("10.8")),
    (7, Decimal("13.9")),
    (8, Decimal("17.2")),
    (9, Decimal("20.8")),
    (10, Decimal("24.5")),
    (11, Decimal("28.5")),
    (12, Decimal("32.7")),
    (13, Decimal("37.0")),
    (14, Decimal("41.5")),
    (15, Decimal("46.2")),
    (16, Decimal("51.0")),
    (17, Decimal("56.1")),
)

_BOUNDS = [bound for _, bound in BEAUFORT_LOWER_BOUNDS_MS]


def beaufort_force(speed_ms: float | Decimal) -> int:
    """The Beaufort force of a wind speed in m/s (0 for calm or negative noise, at most 17).

    A float is read through its shortest decimal form, so ``13.9`` is exactly the force-7
    bound and never ``13.899999...``.
    """
    speed = speed_ms if isinstance(speed_ms, Decimal) else Decimal(str(speed_ms))
    if speed <= 0:
        return 0
    return BEAUFORT_LOWER_BOUNDS_MS[bisect_right(_BOUNDS, speed) - 1][0]


def lower_bound_ms(force: int) -> float:
    """The lowest speed (m/s) of a Beaufort force, 0 to 17."""
    if not 0 <= force <= 17:
        raise ValueError(f"Beaufort force must be 0..17, got {force}")
    return float(BEAUFORT_LOWER_BOUNDS_MS[force][1])
