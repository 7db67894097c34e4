"""Datum conversions between WGS-84, GCJ-02 and BD-09.

This module owns the coordinate datums of citywatch:

- ``wgs84``: GPS coordinates; the default of every input event.
- ``gcj02``: the obfuscated datum of mainland Chinese maps (Amap/Gaode, Tencent); the
  district boundaries are stored in it.
- ``bd09``: Baidu Maps' datum, a further offset applied on top of GCJ-02.

The forward transforms are the standard published formulas (Krasovsky 1940 ellipsoid
parameters). GCJ-02 -> WGS-84 and BD-09 -> GCJ-02 have no closed form; they are inverted by
fixed-point iteration until the forward transform reproduces the input to within
:data:`INVERSION_TOLERANCE_DEG`. Outside mainland China (the widely used approximation by
a union of rectangles minus Taiwan and neighbouring countries) GCJ-02 equals WGS-84.

Every function takes and returns ``(lat, lon)`` in decimal degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, get_args

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[str, ...] = get_args(Datum)

INVERSION_TOLERANCE_DEG = 1e-9
"""Largest residual, in degrees, accepted by the iterative inversions."""
_MAX_ITERATIONS = 30

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# (north, west, south, east) in degrees.
_MAINLAND_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (49.220400, 79.446200, 42.889900, 96.330000),
    (54.141500, 109.687200, 39.374200, 135.000200),
    (42.889900, 73.124600, 29.529700, 124.143255),
    (29.529700, 82.968400, 26.718600, 97.035200),
    (29.529700, 97.025300, 20.414096, 124.367395),
    (20.414096, 107.975793, 17.871542, 111.744104),
)
_EXCLUDED_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (25.398623, 119.921265, 21.785006, 122.497559),  # Taiwan
    (22.284000, 101.865200, 20.098800, 106.665000),  # northern Laos and Vietnam
    (21.542200, 106.452500, 20.487800, 108.051000),  # Gulf of Tonkin coast
    (55.817500, 109.032300, 50.325700, 119.127000),  # Russia, Transbaikal
    (55.817500, 127.456800, 49.557400, 137.022700),  # Russia, Amur
    (44.892200, 131.266200, 42.569200, 137.022700),  # Russia, Primorye
)


def in_mainland_china(lat: float, lon: float) -> bool:
    """Whether GCJ-02 offsets apply at this point (approximate mainland outline)."""
    for north, west, south, east in _MAINLAND_BOXES:
        if south <= lat <= north and west <= lon <= east:
            break
    else:
        return False
    for north, west, south, east in _EXCLUDED_BOXES:
        if south <= lat <= north and west <= lon <= east:
            return False
    return True


def _offset_lat_m(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon_m(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_forward(lat: float, lon: float) -> tuple[float, float]:
    dlat = _offset_lat_m(lon - 105.0, lat - 35.0)
    dlon = _offset_lon_m(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + dlat, lon + dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 -> GCJ-02; unchanged outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    return _gcj_forward(lat, lon)


def _invert(
    forward: Callable[[float, float], tuple[float, float]],
    lat: float,
    lon: float,
    start: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Solve ``forward(x) == (lat, lon)`` by fixed-point iteration from ``start``."""
    guess_lat, guess_lon = start if start is not None else (lat, lon)
    for _ in range(_MAX_ITERATIONS):
        f_lat, f_lon = forward(guess_lat, guess_lon)
        d_lat, d_lon = f_lat - lat, f_lon - lon
        guess_lat, guess_lon = guess_lat - d_lat, guess_lon - d_lon
        if abs(d_lat) < INVERSION_TOLERANCE_DEG and abs(d_lon) < INVERSION_TOLERANCE_DEG:
            break
    return guess_lat, guess_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 -> WGS-84 by iterative inversion; unchanged outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    return _invert(wgs84_to_gcj02, lat, lon)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 -> BD-09 (Baidu applies its offset everywhere)."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + _BD_DLAT, z * math.cos(theta) + _BD_DLON


def _bd09_to_gcj02_approx(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """BD-09 -> GCJ-02: the published inverse, refined by iteration."""
    return _invert(gcj02_to_bd09, lat, lon, start=_bd09_to_gcj02_approx(lat, lon))


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 -> BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """BD-09 -> WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


_CONVERSIONS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def convert(lat: float, lon: float, source: str, target: str) -> tuple[float, float]:
    """Convert ``(lat, lon)`` from datum ``source`` to datum ``target``.

    Raises ``ValueError`` naming the accepted datums when either is unknown.
    """
    for name in (source, target):
        if name not in DATUMS:
            raise ValueError(f"unknown datum {name!r}; expected one of {', '.join(DATUMS)}")
    if source == target:
        return lat, lon
    return _CONVERSIONS[(source, target)](lat, lon)
