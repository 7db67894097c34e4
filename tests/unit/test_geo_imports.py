"""The geography core imports no Kafka, Faust or Elasticsearch client."""

from __future__ import annotations

import subprocess
import sys


def test_geo_modules_stay_free_of_kafka_and_elasticsearch():
    code = (
        "import sys\n"
        "import pipeline.geo.crs, pipeline.geo.districts, pipeline.geo.facilities\n"
        "import pipeline.geo.grid, pipeline.geo.sphere\n"
        "bad = {'faust', 'kafka', 'aiokafka', 'elasticsearch', 'mode'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
