"""CSV files that open right in Excel and read back the same in a script.

Written in UTF-8 with a byte-order mark by default (Excel on Chinese Windows then
reads UTF-8 instead of guessing GBK), or in GB18030 when a scenario asks for it
(``output.csv_encoding``); read back in either. A text cell that Excel would take
for a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is written with a leading apostrophe, so a sponsor's project name cannot
run as a formula when a planner opens the file; ``read_csv`` takes it off again
(text that itself begins with an apostrophe gets one more, so every value reads
back as it was).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a number may start with + or -: only text cells are guarded
_GUARD = "'"


def _guarded(value: Any) -> Any:
    if isinstance(value, str) and value.startswith((*_FORMULA_START, _GUARD)):
        return _GUARD + value
    return value


def _texts(frame: pd.DataFrame) -> list[Any]:
    """The columns that may hold text (strings, or strings mixed with numbers)."""
    return [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
    ]


def _guarded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in _texts(out):
        out[column] = out[column].map(_guarded)
    return out


def write_csv(
    frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8-sig", float_format: str | None = None
) -> None:
    """``frame`` as CSV at ``path``: text that looks like a formula guarded, in ``encoding``."""
    _guarded_frame(frame).to_csv(path, index=False, encoding=encoding, float_format=float_format)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, guarded like ``write_csv`` (written to a file later)."""
    text: str = _guarded_frame(frame).to_csv(index=False)
    return text


def encoding_of(path: Path) -> str:
    """The encoding landplan wrote ``path`` in: UTF-8 (with or without a BOM) or GB18030."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def read_csv(path: Path, **options: Any) -> pd.DataFrame:
    """A CSV landplan wrote (either encoding), its guarded text cells as they were."""
    frame: pd.DataFrame = pd.read_csv(path, encoding=encoding_of(path), **options)
    for column in _texts(frame):
        frame[column] = frame[column].map(_unguarded)
    return frame


def _unguarded(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_GUARD):
        return value[1:]
    return value
