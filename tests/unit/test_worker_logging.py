"""The worker keeps the root logger at its configured level."""

from __future__ import annotations

import logging

import faust

from pipeline.app import create_app
from pipeline.settings import Settings
from pipeline.worker import quiet_root_logger


def test_the_root_logger_keeps_the_worker_level():
    """Faust's spinner would set the root logger to DEBUG, so that every debug call in the
    Kafka client builds a record; the worker turns the spinner off."""
    app = create_app(Settings(app_id="citywatch-logging-probe"))
    probe = logging.Logger("probe", logging.WARNING)
    probe.addHandler(logging.NullHandler())

    spinning = faust.Worker(app, loglevel="warning", quiet=True)
    spinning.on_setup_root_logger(probe, logging.WARNING)
    assert probe.level == logging.DEBUG  # what the spinner does

    probe.setLevel(logging.WARNING)
    worker = faust.Worker(app, loglevel="warning", quiet=True)
    quiet_root_logger(worker)
    worker.on_setup_root_logger(probe, logging.WARNING)
    assert probe.level == logging.WARNING
