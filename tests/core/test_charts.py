from __future__ import annotations

from django.template.loader import render_to_string

from handschlag.core.charts import BAR_AREA, LABEL_WIDTH, ChartRow, bar_chart, chart_table


def test_bars_scale_to_the_largest_value_and_none_has_no_bar():
    chart = bar_chart(
        title="Win rate",
        unit=" %",
        series=["with", "without"],
        rows=[ChartRow("A", [50.0, None]), ChartRow("B", [25.0, 10.0], intervals=[(10.0, 40.0), None])],
    )
    lengths = [bar.length for bar in chart.bars]
    assert lengths == [BAR_AREA, 0.0, BAR_AREA / 2, BAR_AREA / 5]
    assert [bar.text for bar in chart.bars] == ["50 %", "—", "25 %", "10 %"]
    assert chart.bars[2].whisker == (LABEL_WIDTH + BAR_AREA / 5, LABEL_WIDTH + BAR_AREA * 40 / 50)
    assert chart_table(chart) == {
        "header": ["", "with", "without"],
        "rows": [["A", "50 %", "—"], ["B", "25 %", "10 %"]],
    }


def test_rendered_svg_has_classes_and_no_style():
    chart = bar_chart(title="Pipeline", rows=[ChartRow("A", [3]), ChartRow("B", [1], danger=True)])
    html = render_to_string("core/_chart.html", {"chart": chart})
    assert "<svg" in html
    assert "style" not in html
    assert 'class="chart-series-1"' in html
    assert 'class="chart-danger"' in html


def test_empty_chart_says_so():
    chart = bar_chart(title="Pipeline", rows=[ChartRow("A", [None])])
    assert chart.empty
    assert "<svg" not in render_to_string("core/_chart.html", {"chart": chart})
