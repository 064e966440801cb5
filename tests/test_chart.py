"""The server-rendered chart: points scaled into the drawing, labels kept inside it."""
from decimal import Decimal

from portal.chart import HEIGHT, PAD_BOTTOM, PAD_TOP, build_chart


def test_points_scale_from_zero_to_the_largest_value():
    chart = build_chart(["d1", "d2", "d3"], {"": [0, 5, 10]})
    ys = [y for _, y, _, _ in chart.lines[0].dots]
    assert ys[0] == HEIGHT - PAD_BOTTOM and ys[2] == PAD_TOP and ys[1] == (ys[0] + ys[2]) / 2
    assert chart.y_max == "10"
    assert [anchor for _, _, anchor in chart.x_labels] == ["start", "middle", "end"]


def test_one_line_per_currency_and_negative_values_stay_in_the_drawing():
    chart = build_chart(["d1", "d2"], {"EUR": [Decimal("-2.50"), Decimal("7.50")], "USD": [Decimal("1"), Decimal("0")]})
    assert [line.name for line in chart.lines] == ["EUR", "USD"]
    assert all(PAD_TOP <= y <= HEIGHT - PAD_BOTTOM for line in chart.lines for _, y, _, _ in line.dots)
    assert chart.lines[0].dots[0][3] == "-2.50"


def test_a_single_bucket_is_centred():
    chart = build_chart(["d1"], {"": [3]})
    assert len(chart.lines[0].dots) == 1 and chart.x_labels[0][2] == "middle"
