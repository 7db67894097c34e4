"""The offline ``citywatch classify`` core: one output object per input line."""

import json

from pipeline.classify import classify_lines, load_rulebook


def line(**report) -> bytes:
    return json.dumps(report, ensure_ascii=False).encode("utf-8")


def report(report_id: str, description: str, **extra) -> dict:
    return {
        "report_id": report_id,
        "source": "hotline_119",
        "reported_at": "2026-11-02T08:00:00+08:00",
        "location": {"lat": 31.24, "lon": 121.49},
        "description": description,
        **extra,
    }


def bund_lookup(lat: float, lon: float, crs: str):
    if 31.0 < lat < 31.5 and 121.3 < lon < 121.7:
        return {"code": "310101", "name": "黄浦区", "name_en": "Huangpu"}
    return None


def test_each_line_yields_the_contract_fields():
    out = list(
        classify_lines(
            [line(**report("r-1", "中山东一路一栋大楼起火，造成3人死亡"))],
            load_rulebook(),
            bund_lookup,
        )
    )
    assert len(out) == 1
    result = out[0]
    assert list(result)[:6] == ["report_id", "category", "type", "level", "district", "rule"]
    assert result["report_id"] == "r-1"
    assert (result["category"], result["type"], result["level"]) == ("accident", "fire", 3)
    assert result["district"] == {"code": "310101", "name": "黄浦区"}
    assert result["rule"] == {"id": "LVL-PSA-493", "version": "2026.11.2"}
    for key in (
        "confidence",
        "matched_terms",
        "level_criterion",
        "counts_extracted",
        "explanation",
        "source",
        "reported_at",
    ):
        assert key in result
    json.dumps(result)


def test_district_is_null_without_lookup_or_outside_the_city():
    rb = load_rulebook()
    assert next(classify_lines([line(**report("r-1", "起火"))], rb))["district"] is None
    far = report("r-2", "起火", location={"lat": 39.9, "lon": 116.4})
    assert next(classify_lines([line(**far)], rb, bund_lookup))["district"] is None


def test_lookup_receives_the_crs():
    seen = []
    item = report("r-1", "起火", location={"lat": 31.24, "lon": 121.49, "crs": "gcj02"})
    list(
        classify_lines([json.dumps(item)], load_rulebook(), lambda lat, lon, crs: seen.append(crs))
    )
    assert seen == ["gcj02"]


def test_bad_lines_yield_errors_and_the_rest_flows():
    lines = [
        b"\xff\xfe not utf-8",
        b"{not json",
        b"[1, 2]",
        b"",
        line(description="no id"),
        line(report_id="r-5"),
        line(**report("r-6", "起火", location={"lat": 91, "lon": 121.4})),
        line(**report("r-7", "起火", casualties={"deaths": -1})),
        line(**report("r-8", "起火", location={"lat": 31.2, "lon": 121.4, "crs": "utm"})),
        line(**report("r-9", "居民楼起火")),
    ]
    out = list(classify_lines(lines, load_rulebook()))
    assert len(out) == 9
    codes = [(o.get("report_id"), o["error"]["code"]) for o in out[:8]]
    assert codes == [
        (None, "undecodable"),
        (None, "invalid_json"),
        (None, "not_an_object"),
        (None, "missing_field"),
        ("r-5", "missing_field"),
        ("r-6", "invalid_location"),
        ("r-7", "invalid_report"),
        ("r-8", "invalid_location"),
    ]
    assert [o["line"] for o in out[:8]] == [1, 2, 3, 5, 6, 7, 8, 9]
    assert all(o["error"]["message"] for o in out[:8])
    assert out[8]["type"] == "fire" and "error" not in out[8]


def test_str_lines_and_follow_ups_regrade_with_history():
    lines = [
        json.dumps(report("r-1", "闵行区一厂房发生火灾，造成2人死亡"), ensure_ascii=False),
        json.dumps(
            report(
                "r-2",
                "死亡人数升至12人",
                updates_report_id="r-1",
                reported_at="2026-11-02T09:00:00+08:00",
            ),
            ensure_ascii=False,
        ),
        json.dumps(
            report(
                "r-3",
                "死亡人数升至15人",
                updates_report_id="r-2",
                reported_at="2026-11-02T10:00:00+08:00",
            ),
            ensure_ascii=False,
        ),
        json.dumps(report("r-4", "起火", updates_report_id="r-404"), ensure_ascii=False),
    ]
    first, second, third, orphan = classify_lines(lines, load_rulebook())
    assert first["level"] == 4 and "history" not in first
    assert second["report_id"] == "r-2" and second["incident_report_id"] == "r-1"
    assert second["level"] == 2 and second["type"] == "fire"
    assert [h["level"] for h in second["history"]] == [4, 2]
    assert third["incident_report_id"] == "r-1" and third["counts"]["deaths"] == 15
    assert [h["report_id"] for h in third["history"]] == ["r-1", "r-2", "r-3"]
    assert orphan["incident_report_id"] == "r-4"
    assert any("'r-404' was not seen" in note for note in orphan["notes"])


def test_lookup_may_return_an_object_with_code_and_name():
    from types import SimpleNamespace

    def lookup(lat, lon, crs):
        return SimpleNamespace(code="310115", name="浦东新区", population=5_681_512)

    out = next(classify_lines([line(**report("r-1", "起火"))], load_rulebook(), lookup))
    assert out["district"] == {"code": "310115", "name": "浦东新区"}
