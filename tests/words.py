"""What a Chinese page may still show in Latin letters: ids and codes from the data,
product names, files by name and hash, and the scenario's keys it tells a reader to
change. Anything else is an English word on a Chinese page."""

from __future__ import annotations

import re

ALLOWED = re.compile(
    r"^(?:[A-Z]{1,5}\d*|P|km|m|Leaflet|HiGHS|CBC|highs|cbc|daxing|demo|phasing|"
    r"parcel_once|assign|floor_cap|quota|target|budget|priority|land|spread)$"
)


def latin_words(text: str) -> set[str]:
    """Latin words left in ``text``, but for what ``ALLOWED`` and the patterns below keep."""
    text = re.sub(r"\b[0-9a-f]{16}\b", " ", text)  # a file's hash
    text = re.sub(r"[\w.-]+\.(?:csv|gpkg|shp|dbf|yaml|xlsx)\b", " ", text)  # a file's name
    text = re.sub(r"\b[a-z_]+\.[a-z_]+\b", " ", text)  # a scenario key: objective.positioning
    text = re.sub(r"\b[A-Z]+(?:-[A-Z0-9]+)+\b", " ", text)  # ids: V-BIO-003, C-TWN-002
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]{1,}", text) if not ALLOWED.match(w)}
