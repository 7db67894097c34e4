"""The sample sensor registry agrees with the district boundaries."""

from __future__ import annotations

from pipeline.geo.districts import district_for_point
from pipeline.warnings.registry import SensorRegistry


def test_every_located_sensor_lies_in_its_registered_district():
    registry = SensorRegistry.from_file()
    checked = 0
    for sensor_id in registry.ids():
        entry = registry.get(sensor_id)
        if entry.location is None or entry.district is None:
            continue
        found = district_for_point(entry.location.lat, entry.location.lon, entry.location.crs)
        assert found is not None and found.code == entry.district.code, sensor_id
        checked += 1
    assert checked >= 10
