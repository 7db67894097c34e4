"""The commit guard for partitions without a committed offset (pure part)."""

from pipeline.app import CitywatchApp, create_app
from pipeline.faust_consumer import CommittedStartConsumer, head_acknowledged
from pipeline.settings import Settings


def test_nothing_is_committed_before_the_start_is_known():
    assert not head_acknowledged(None, [0, 1, 2], [])


def test_the_head_must_be_acknowledged():
    assert head_acknowledged(0, [0, 1, 2], [])
    assert head_acknowledged(40, [41, 40, 42], [])


def test_a_skipped_head_blocks_the_commit():
    # offsets 0 and 1 were fetched before a rebalance and never delivered
    assert not head_acknowledged(0, [2, 3, 4], [])
    assert not head_acknowledged(37, [38], [])
    assert not head_acknowledged(5, [], [])


def test_offsets_missing_from_the_log_count_as_handled():
    # a gap Faust recorded from the start (offsets absent from the log) lets it pass
    assert head_acknowledged(10, [14, 15], [10])
    assert not head_acknowledged(10, [14, 15], [11])


def test_the_app_builds_its_consumer_from_the_safe_class():
    app = create_app(Settings())
    assert isinstance(app, CitywatchApp)
    assert app.transport.Consumer is CommittedStartConsumer
