from __future__ import annotations

from datetime import date

from etl.publish.charts import Point, _nice_max, line_chart


def test_axis_maximum_is_a_round_number_above_the_data() -> None:
    assert [_nice_max(v) for v in (0.7, 8, 12, 316, 1001)] == [1, 10, 20, 500, 2000]


def test_chart_marks_exceedances_and_flagged_values_differently() -> None:
    points = [
        Point(date(2026, 10, 1), 120.0, False, False),
        Point(date(2026, 10, 2), 287.4, True, False),
        Point(date(2026, 10, 3), None, False, True, "通讯中断"),
        Point(date(2026, 10, 4), 98.0, False, True, "CEMS维护"),
    ]
    svg = line_chart("1号焚烧炉排气筒DA001 氮氧化物", "mg/m³", points, 250)
    assert svg.count('class="exceeded"') == 1 and svg.count('class="flagged"') == 2
    assert svg.count('class="point"') == 1
    assert "限值 limit 250" in svg and "2026-10-02: 287.4 超标 exceeds" in svg
    assert "通讯中断" in svg and 'role="img"' in svg
    # Flagged values are not joined into the measured line.
    assert 'class="series" points="' in svg and svg.split('class="series" points="')[1].count(",") == 2


def test_no_points_no_chart() -> None:
    assert line_chart("x", "mg/m³", [], 10) == ""
