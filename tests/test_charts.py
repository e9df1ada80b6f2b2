"""Charts drawn off-screen and inlined as PNG."""

from __future__ import annotations

import base64
import io

from matplotlib.image import imread

from landplan.charts import figure, png


def test_a_chart_is_an_inline_png_with_its_alternative_text() -> None:
    fig = figure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [1, 0])
    image = png(fig, alt="测试 <chart>", dpi=50)
    assert image.alt == "测试 <chart>"
    head, data = image.src.split(",", 1)
    assert head == "data:image/png;base64"
    pixels = imread(io.BytesIO(base64.b64decode(data)), format="png")
    assert pixels.shape[:2] == (50, 100)
