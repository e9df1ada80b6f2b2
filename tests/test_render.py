"""One escaping rule: page text autoescaped, data to scripts as JSON safe in <script>."""

from __future__ import annotations

import json

from landplan.render import ENV, json_script, static


def test_text_from_the_data_is_escaped_in_every_template() -> None:
    page = ENV.from_string("{% from 'macros.html' import kv %}{{ kv(rows) }}").render(
        rows=[("<b>", "<script>alert(1)</script>")]
    )
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page


def test_json_for_a_script_cannot_close_it() -> None:
    data = {"name": "</script><script>x()</script>", "amp": "a & b", "zh": "医药"}
    text = str(json_script(data))
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == data  # the escapes are JSON's own


def test_every_template_compiles_and_every_static_file_ships() -> None:
    for name in ENV.list_templates():
        ENV.get_template(name)
    for name in ("map.css", "map.js", "tracking.css", "tracking.js", "report.css", "sweep.css"):
        assert len(static(name)) > 100
