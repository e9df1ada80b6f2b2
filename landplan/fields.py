"""Typed columns out of raw attribute tables, with one problem per bad cell.

Shared by the parcel layers and the CSV tables, so a bad boolean reads the same
wherever it is.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from landplan.constants import FALSE_WORDS, MODE_ALIASES, STATUS_ALIASES, TRUE_WORDS
from landplan.errors import ProblemLog

_MAX_LISTED = 20  # per field and table; beyond this a summary line says how many more


class FieldReader:
    """Reads typed columns from ``frame``, logging problems against ``ids``.

    Parameters
    ----------
    frame
        The raw table, columns already renamed to contract names.
    ids
        The row ids used in messages (parcel or project ids, else row numbers).
    source, layer
        Where the table came from, for messages.
    log
        Where problems go.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        ids: pd.Series,
        source: str,
        layer: str | None,
        log: ProblemLog,
    ) -> None:
        self.frame = frame
        self.ids = ids.astype(str).to_numpy()
        self.source = source
        self.layer = layer
        self.log = log

    def _report(self, mask: np.ndarray, field: str, message: str, fix: str) -> None:
        bad = np.flatnonzero(mask)
        for i in bad[:_MAX_LISTED]:
            value = self.frame[field].iloc[i] if field in self.frame else None
            shown = "" if value is None or _blank(value) else f", got {value!r}"
            self.log.add(
                self.source,
                f"{message}{shown}",
                layer=self.layer,
                row=self.ids[i],
                field=field,
                fix=fix,
            )
        if len(bad) > _MAX_LISTED:
            self.log.add(
                self.source,
                f"{len(bad) - _MAX_LISTED} more rows with the same problem",
                layer=self.layer,
                field=field,
                fix=fix,
            )

    def has(self, field: str) -> bool:
        return field in self.frame.columns

    def text(self, field: str, required: bool, default: str | None = None) -> pd.Series:
        """A text column; blank cells are ``default`` (or a problem when required)."""
        if field not in self.frame.columns:
            if required and default is None:
                self.log.add(
                    self.source,
                    "required field is missing",
                    layer=self.layer,
                    field=field,
                    fix=f"add a '{field}' column, or map yours to it with 'fields:'",
                )
            return pd.Series(default, index=self.frame.index, dtype=object)
        raw = self.frame[field]
        values = raw.map(lambda v: "" if _blank(v) else _as_text(v)).astype(object)
        empty = (values == "").to_numpy()
        if default is not None:
            values[empty] = default
        elif required:
            self._report(empty, field, "required value is empty", f"fill in '{field}'")
        return values

    def number(
        self, field: str, *, required: bool = False, positive: bool = False, integer: bool = False
    ) -> pd.Series:
        """A numeric column; blank cells are NaN. Non-numbers and negatives are problems."""
        if field not in self.frame.columns:
            if required:
                self.log.add(
                    self.source,
                    "required field is missing",
                    layer=self.layer,
                    field=field,
                    fix=f"add a numeric '{field}' column",
                )
            return pd.Series(np.nan, index=self.frame.index, dtype=float)
        raw = self.frame[field]
        blank = raw.map(_blank).to_numpy(dtype=bool)
        cleaned = raw.map(lambda v: str(v).replace(",", "").strip() if isinstance(v, str) else v)
        values = pd.to_numeric(cleaned.where(~blank, None), errors="coerce").astype(float)
        bad = values.isna().to_numpy() & ~blank
        self._report(bad, field, "is not a number", f"write a plain number in '{field}'")
        if required:
            self._report(blank, field, "required value is empty", f"fill in '{field}'")
        arr = values.to_numpy()
        negative = ~np.isnan(arr) & ((arr <= 0) if positive else (arr < 0))
        word = "positive" if positive else "zero or more"
        self._report(negative, field, f"must be {word}", f"correct '{field}'")
        if integer:
            fractional = ~np.isnan(arr) & (np.floor(arr) != arr)
            self._report(fractional, field, "must be a whole number", f"correct '{field}'")
        return values.where(~(bad | negative), np.nan)

    def boolean(self, field: str) -> pd.Series:
        """true/false, 1/0, yes/no, 是/否; blank is false."""
        if field not in self.frame.columns:
            return pd.Series(False, index=self.frame.index, dtype=bool)

        def parse(v: object) -> bool | None:
            if isinstance(v, bool | np.bool_):
                return bool(v)
            if _blank(v):
                return False
            word = _as_text(v).lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            return None

        parsed = self.frame[field].map(parse)
        bad = parsed.isna().to_numpy()
        self._report(bad, field, "is not a yes/no value", "use true/false, 1/0, yes/no or 是/否")
        return parsed.fillna(False).astype(bool)

    def choice(self, field: str, allowed: Iterable[str], default: str) -> pd.Series:
        """One word out of ``allowed``; blank is ``default``."""
        allowed = tuple(allowed)
        values = self.text(field, required=False, default=default)
        values = values.map(lambda v: str(STATUS_ALIASES.get(str(v), str(v))).lower())
        bad = ~values.isin(allowed).to_numpy()
        self._report(bad, field, "is not a known value", f"use one of {', '.join(allowed)}")
        return values.where(~bad, default)

    def modes(self, field: str, allowed: Iterable[str]) -> pd.Series:
        """A ``;``-separated set of words out of ``allowed``, normalised and sorted."""
        allowed = tuple(allowed)
        values = self.text(field, required=False, default="")

        def parse(text: str) -> tuple[str, ...] | None:
            split = str(text).replace(",", ";").replace("、", ";").split(";")
            words = {MODE_ALIASES.get(w.strip(), w.strip().lower()) for w in split}
            words.discard("")
            return tuple(sorted(words)) if words <= set(allowed) else None

        parsed = values.map(parse)
        bad = parsed.isna().to_numpy()
        self._report(
            bad, field, "has an unknown supply mode", f"use ; between {', '.join(allowed)}"
        )
        return parsed.map(lambda t: ";".join(t) if t is not None else "")


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _as_text(value: object) -> str:
    """Text of a cell; integral floats read back from a layer lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
