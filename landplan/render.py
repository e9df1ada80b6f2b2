"""Pages from templates: one Jinja2 environment, one escaping rule.

Every page landplan writes (report, sweep, battle map, the map's panels) is a
template in ``landplan/templates`` with its style and script as static files in
``landplan/static``, all shipped in the package and inlined into the page, so a
page opened from disk needs nothing else. Text from the data is escaped by the
template engine (autoescape); data handed to a page's script goes in as JSON made
safe for a ``<script>`` element (``json_script``) and is put on screen with
``textContent``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("landplan", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def json_script(data: Any) -> Markup:
    """``data`` as JSON that is safe inside a ``<script>`` element (no ``</script>``,
    no ``<!--``): ``<``, ``>`` and ``&`` are written as ``\\u003c`` and so on."""
    text = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup(text)


@cache
def static(name: str) -> Markup:
    """A style sheet or script shipped in ``landplan/static``, to inline in a page."""
    text = (resources.files("landplan") / "static" / name).read_text(encoding="utf-8")
    return Markup(text)


ENV.filters["json_script"] = json_script
ENV.globals["static"] = static


def render(template: str, **context: Any) -> str:
    """The template ``template`` (a file in ``landplan/templates``) filled with ``context``."""
    return ENV.get_template(template).render(**context)
