"""graph/buildlog.py: warnings grouped by kind with counts and first places; progress lines."""

from graph.buildlog import Stage, WarningGroups, kind_of


def test_warnings_of_one_kind_are_one_group_with_a_count_and_the_first_places():
    groups = WarningGroups(examples=2)
    for n in range(5):
        groups.add(f"a.xml:{n + 10}", f"recipient countries and regions: percentages sum to {80 + n}, not 100 "
                                      f"(activity XM-{n})")
    groups.add("b.xml:3", '<participating-org> has neither @ref nor a narrative; it names no organisation')
    assert len(groups) == 6
    first, second = groups.lines()
    assert first.startswith("warning x5: recipient countries and regions: percentages sum to 80, not 100")
    assert "at a.xml:10, a.xml:11 (and 3 more)" in first
    assert second.startswith("warning x1: <participating-org>") and "b.xml:3" in second


def test_kind_ignores_values_quotes_and_iris():
    assert kind_of('sector "15110": percentage 120 (activity X)') == kind_of("sector \"311\": percentage 7")
    assert kind_of("Recipient percentages of https://x.org/p/1 sum to 80") == kind_of(
        "Recipient percentages of https://x.org/p/2 sum to 90")


def test_progress_line_shows_count_percentage_and_eta():
    lines = []
    stage = Stage(lines.append, "load", total=100, every=0)
    stage.t0 -= 10  # ten seconds in
    stage.update(25, "25 quads")
    assert lines and lines[-1].startswith("[load] 25 quads 25% ETA 30s")
