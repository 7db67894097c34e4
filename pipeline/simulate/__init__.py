"""Realistic Shanghai scenarios for ``citywatch simulate``: pure generation, no Kafka.

A scenario (``typhoon``, ``chemical_leak``, ``new_year_bund``, ``metro_power_failure``,
``food_poisoning_schools``, ``routine_day``) is a deterministic generator of timed records
``(offset_s, topic, key, value)`` for the input topics: incident reports, sensor readings
from the sensor registry, and inspection findings. The same seed and start give the same
bytes. :func:`generate_events` builds one run's records; :func:`run_scenario` paces them in
real time through a producer callback.

Simulated time runs ``time_scale`` times faster than the wall clock (a 60-second typhoon
run covers an hour); event timestamps are simulated times, and by default the simulated
span ends at the present, so no timestamp is in the future when its record is sent.
"""

from pipeline.simulate.catalog import SCENARIOS, generate_events, get_scenario
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.runner import RunSummary, run_scenario
from pipeline.simulate.scenario import Scenario

__all__ = [
    "SCENARIOS",
    "RunSummary",
    "Scenario",
    "SimContext",
    "SimEvent",
    "generate_events",
    "get_scenario",
    "run_scenario",
]
