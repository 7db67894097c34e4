"""The worker's Faust data directory lies under the configured data directory."""

from __future__ import annotations

from pathlib import Path

from pipeline.app import create_app
from pipeline.settings import Settings


def test_faust_data_directory_is_under_the_data_dir(tmp_path: Path):
    app = create_app(Settings(app_id="citywatch-datadir-probe", data_dir=tmp_path))
    assert Path(app.conf.datadir) == tmp_path / "worker" / "citywatch-datadir-probe-data"
    assert Path(app.conf.tabledir).is_relative_to(tmp_path)


def test_the_worker_creates_the_whole_data_directory(tmp_path: Path):
    """The worker starts on a fresh data directory (Faust itself creates only its last
    level)."""
    app = create_app(Settings(app_id="citywatch-datadir-probe", data_dir=tmp_path / "fresh"))
    app._create_directories()  # what faust.Worker calls as it starts
    assert Path(app.conf.tabledir).is_dir()
