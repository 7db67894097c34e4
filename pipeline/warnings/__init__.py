"""Risk early warning from sensor readings: windows, four-colour warnings, risk, health.

Pure functions over plain data (no Kafka, Elasticsearch or Faust). The state lives in
serialisable models: :class:`SensorState` per sensor and :class:`WarningState` per
(district, hazard), bundled in :class:`EngineState` for offline use.
"""

from pipeline.warnings.beaufort import beaufort_force
from pipeline.warnings.engine import (
    EngineState,
    IngestResult,
    apply_evidence,
    ingest,
    lift,
    new_state,
    observe,
    set_tropical_cyclone,
    tick,
)
from pipeline.warnings.health import check_health, note_reading
from pipeline.warnings.offline import assess_lines
from pipeline.warnings.profiles import LEVELS, Hazard, Profile, load_profile, load_rulebook
from pipeline.warnings.readings import Reading, parse_reading
from pipeline.warnings.registry import SensorRegistry
from pipeline.warnings.risk import risk_for_district
from pipeline.warnings.state import WarningState, warning_key
from pipeline.warnings.windows import SensorState, WindowConfig

__all__ = [
    "LEVELS",
    "EngineState",
    "Hazard",
    "IngestResult",
    "Profile",
    "Reading",
    "SensorRegistry",
    "SensorState",
    "WarningState",
    "WindowConfig",
    "apply_evidence",
    "assess_lines",
    "beaufort_force",
    "check_health",
    "ingest",
    "lift",
    "load_profile",
    "load_rulebook",
    "new_state",
    "note_reading",
    "observe",
    "parse_reading",
    "risk_for_district",
    "set_tropical_cyclone",
    "tick",
    "warning_key",
]
