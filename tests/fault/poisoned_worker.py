"""``citywatch worker`` with a poisoned reference lookup: scenario 3's injection.

The facilities registry raises for one point, named by ``FAULT_POISONED_POINT``
(``lat,lon``, WGS 84), as a corrupt registry entry would; every other lookup is the real
one. Run as ``python -m tests.fault.poisoned_worker worker``.
"""

from __future__ import annotations

import os

from pipeline.geo.facilities import FacilityRegistry

POINT_ENV = "FAULT_POISONED_POINT"


def poison_registry(lat: float, lon: float) -> None:
    """Make :meth:`FacilityRegistry.within` raise for the point (``lat``, ``lon``)."""
    real = FacilityRegistry.within

    def within(self, plat, plon, *args, **kwargs):
        if abs(plat - lat) < 1e-9 and abs(plon - lon) < 1e-9:
            raise LookupError(f"facilities registry entry near {lat},{lon} is corrupt")
        return real(self, plat, plon, *args, **kwargs)

    FacilityRegistry.within = within


def main() -> None:
    lat, lon = (float(x) for x in os.environ[POINT_ENV].split(","))
    poison_registry(lat, lon)
    from pipeline.cli import main as citywatch

    citywatch()


if __name__ == "__main__":
    main()
