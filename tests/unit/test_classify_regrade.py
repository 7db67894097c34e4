"""Re-grading on follow-up reports, and the history of grades."""

from pipeline.classify import GradeEntry, classify_report, load_rulebook, regrade


def first_report():
    return classify_report(
        {
            "report_id": "r-1",
            "reported_at": "2026-11-02T08:00:00+08:00",
            "description": "闵行区一厂房发生火灾，造成2人死亡",
        },
        load_rulebook(),
    )


def test_follow_up_with_more_deaths_raises_the_level():
    first = first_report()
    assert first.level == 4
    second, history = regrade(
        first,
        [],
        {
            "report_id": "r-2",
            "updates_report_id": "r-1",
            "reported_at": "2026-11-02T09:00:00+08:00",
            "description": "死亡人数升至12人",
        },
    )
    assert second.level == 2 and second.type == "fire"
    assert second.counts["deaths"] == 12 and second.counts_extracted == ["deaths"]
    assert second.report_id == "r-1"
    assert [h.level for h in history] == [4, 2]
    assert [h.change for h in history] == ["initial", "up"]
    assert history[0] == GradeEntry(
        level=4,
        at="2026-11-02T08:00:00+08:00",
        rule_id="LVL-PSA-493",
        reason="initial grade: floor",
        report_id="r-1",
        change="initial",
    )
    assert history[1].at == "2026-11-02T09:00:00+08:00"
    assert history[1].rule_id == "LVL-PSA-493" and history[1].report_id == "r-2"
    assert "deaths 2->12" in history[1].reason and "raised Ⅳ->Ⅱ" in history[1].reason


def test_structured_follow_up_can_lower_the_level_and_keeps_other_counts():
    first = classify_report(
        {
            "report_id": "r-1",
            "type": "fire",
            "description": "",
            "casualties": {"deaths": 3, "injuries": 7},
        },
        load_rulebook(),
    )
    assert first.level == 3
    second, history = regrade(
        first,
        [],
        {"report_id": "r-2", "description": "核实后更正", "casualties": {"deaths": 2}},
        at="2026-11-02T10:00:00+08:00",
    )
    assert second.level == 4
    assert second.counts == {"deaths": 2, "injuries": 7}
    assert history[-1].change == "down" and "lowered Ⅲ->Ⅳ" in history[-1].reason
    assert history[-1].at == "2026-11-02T10:00:00+08:00"


def test_text_of_a_follow_up_never_lowers_a_count():
    first = classify_report(
        {"report_id": "r-1", "description": "火灾已致12人死亡"}, load_rulebook()
    )
    second, history = regrade(first, [], {"report_id": "r-2", "description": "又有1人死亡"})
    assert second.counts["deaths"] == 12 and second.level == 2
    assert history[-1].change == "same"
    assert any("not above the earlier 12" in note for note in second.notes)


def test_history_accumulates_and_unchanged_grades_are_recorded():
    first = first_report()
    second, history = regrade(first, [], {"report_id": "r-2", "description": "3人受伤"})
    assert second.level == 4 and history[-1].change == "same"
    assert "injuries 0->3" in history[-1].reason
    third, history = regrade(
        second, history, {"report_id": "r-3", "description": "", "economic_loss_cny": 60_000_000}
    )
    assert third.level == 2
    assert [h.report_id for h in history] == ["r-1", "r-2", "r-3"]
    assert third.counts == {"deaths": 2, "injuries": 3, "economic_loss_cny": 60_000_000}
    assert third.counts_extracted == ["deaths", "injuries"]


def test_type_hint_in_a_follow_up_changes_the_type_and_rule():
    first = first_report()
    second, history = regrade(
        first,
        [],
        {
            "report_id": "r-2",
            "description": "",
            "type": "food_poisoning",
            "casualties": {"affected": 120},
        },
    )
    # the two deaths of the first report still count: >=100 people with deaths is Ⅱ
    assert (second.type, second.category, second.level) == ("food_poisoning", "public_health", 2)
    assert second.level_criterion["criterion"] == "cases>=100 & deaths>=1"
    assert history[-1].rule_id == "LVL-PH-FOOD"
    assert "type fire->food_poisoning" in history[-1].reason


def test_unclassified_incident_takes_the_type_a_follow_up_names():
    first = classify_report({"report_id": "r-1", "description": "有情况"}, load_rulebook())
    assert first.type == "unclassified"
    second, _ = regrade(first, [], {"report_id": "r-2", "description": "确认为燃气泄漏"})
    assert second.type == "gas_supply"


def test_text_of_a_follow_up_does_not_change_a_known_type():
    first = first_report()
    second, _ = regrade(first, [], {"report_id": "r-2", "description": "现场发生燃气泄漏"})
    assert second.type == "fire"
