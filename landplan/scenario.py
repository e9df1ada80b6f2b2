"""Scenario files: YAML in, typed and validated objects out.

Every problem is reported with the path of the bad key and the allowed values,
e.g. ``costshare.cap_ratio must be in (0, 1], got 1.4``; all problems of a file are
collected before anything is raised.

Each default is written once, as the dataclass field's default. Numeric limits
sit beside it in the field's metadata (``_num``), and the parser reads both from
there, so the parser, ``scenario.resolved.yaml`` and the docs cannot disagree.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from landplan.constants import DAXING_2025, INDICATOR_UNITS
from landplan.domain import (
    Bearer,
    CsvEncoding,
    Datum,
    EntryScope,
    Indicator,
    Kind,
    Lang,
    Method,
    Priority,
    QuotaScope,
    Rule,
    SolverName,
    Target,
)
from landplan.errors import InputError, Problem, ProblemLog

_T = TypeVar("_T")


def _num(
    default: float | int | None,
    *,
    low: float | None = 0.0,
    high: float | None = None,
    low_open: bool = False,
) -> Any:
    """A numeric field with its default and allowed range (``low`` None: no lower limit)."""
    return field(default=default, metadata={"low": low, "high": high, "low_open": low_open})


@dataclass(frozen=True)
class LayerSpec:
    """One parcel layer: a file layer or a database table, and how to read it."""

    kind: Kind
    path: Path | None = None
    layer: str | None = None
    url: str | None = None
    table: str | None = None
    sql: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    crs: str | None = None
    park: str | None = None

    @property
    def source(self) -> str:
        """The file path or table named in messages (never a password)."""
        if self.path is not None:
            return str(self.path)
        return f"{redact(self.url or '')} {self.table or 'sql'}"

    @property
    def name(self) -> str:
        """The layer's name in the parcel table's ``layer`` column."""
        if self.layer:
            return self.layer
        if self.path is not None:
            return self.path.stem
        return self.table or "sql"


@dataclass(frozen=True)
class ConstraintSpec:
    """A spatial rule: parcels touching (or within ``distance_m`` of) a layer are out."""

    name: str
    path: Path
    rule: Rule = Rule.EXCLUDE
    layer: str | None = None
    distance_m: float = 0.0
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A table file (CSV or Excel) and, for Excel, the sheet to read."""

    path: Path
    sheet: str | None = None


@dataclass(frozen=True)
class NearSpec:
    """Proximity suitability: pairs score ``weight × max(0, 1 − d / within_m)``.

    d is the distance from the parcel to the layer's nearest feature (0 when they
    touch); ``sectors`` limits the score to those sectors (empty: every sector).
    """

    name: str
    path: Path
    within_m: float = _num(1000.0, low_open=True)
    weight: float = _num(0.0, low=None)
    layer: str | None = None
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Objective:
    """Weights of the objective, per unit of each project attribute (docs/scenario.md)."""

    output: float = _num(1.0, low=None)
    tax: float = _num(5.0, low=None)
    jobs: float = _num(0.0, low=None)
    hightech: float = _num(2000.0, low=None)
    major: float = _num(5000.0, low=None)
    subsidy: float = _num(1.0, low=None)
    positioning: float = _num(0.0, low=None)
    preferred_park: float = _num(0.0, low=None)
    land: float = _num(0.0, low=None)
    deferred: float | None = _num(None, low=None)
    spread: float = _num(0.0, low=None)
    priority: Priority = Priority.WEIGHTED

    @property
    def deferred_weight(self) -> float:
        """Per 万元 deferred; without ``deferred``, the subsidy weight (a deferred 万元
        is a 万元 the park must still find)."""
        return self.subsidy if self.deferred is None else self.deferred


@dataclass(frozen=True)
class EntryStandards:
    """Minimum investment/output per ha and tax per mu for land pairs; 0 = off."""

    investment_per_ha: float = _num(0.0)
    output_per_ha: float = _num(0.0)
    tax_per_mu: float = _num(0.0)
    scope: EntryScope = EntryScope.LAND


@dataclass(frozen=True)
class Targets:
    """The plan's 2025 targets as constraints over the placed pairs; None = not imposed."""

    output_per_ha: float | None = _num(None)
    labour_productivity: float | None = _num(None)
    rd_intensity: float | None = _num(None, high=1.0)
    hightech_output_share: float | None = _num(None, high=1.0)

    def items(self) -> list[tuple[Target, float]]:
        """The imposed targets, in a fixed order."""
        return [
            (target, value)
            for target in Target
            if (value := getattr(self, target.value)) is not None
        ]


@dataclass(frozen=True)
class IndicatorSpec:
    """One 亩均 indicator's weight and benchmark (None: the evaluated firms' median)."""

    weight: float = _num(0.0)
    benchmark: float | None = _num(None, low_open=True)


# Weights as in Zhejiang's 亩均论英雄 practice: tax per mu first, then value added
# per mu, per unit of energy, R&D intensity and labour productivity (docs/evaluation.md).
DEFAULT_INDICATORS: dict[str, IndicatorSpec] = {
    Indicator.TAX_PER_MU.value: IndicatorSpec(weight=0.4),
    Indicator.VALUE_ADDED_PER_MU.value: IndicatorSpec(weight=0.2),
    Indicator.VALUE_ADDED_PER_ENERGY.value: IndicatorSpec(weight=0.15),
    Indicator.RD_INTENSITY.value: IndicatorSpec(weight=0.15),
    Indicator.LABOUR_PRODUCTIVITY.value: IndicatorSpec(weight=0.1),
}
TIER_NAMES = ("A", "B", "C", "D")  # D: below the last threshold


@dataclass(frozen=True)
class EvaluationSpec:
    """``evaluation:``: how firms on land in use are scored and put into tiers.

    score = 100 · Σ wᵢ·min(vᵢ/bᵢ, cap) / Σ wᵢ; a firm is in the first tier whose
    threshold its score reaches (``tiers``, highest first), else in D.
    """

    indicators: dict[str, IndicatorSpec] = field(default_factory=lambda: dict(DEFAULT_INDICATORS))
    cap: float = _num(1.5, low_open=True)
    tiers: dict[str, float] = field(default_factory=lambda: {"A": 100.0, "B": 80.0, "C": 60.0})


@dataclass(frozen=True)
class RenewalSpec:
    """``renewal:``: the land of firms in ``tiers`` becomes candidate supply (腾笼换鸟).

    Recovering a parcel costs ``cost_per_ha × area`` (or the firms' ``cost_column``)
    and loses the firms' output, tax and jobs at the objective's weights ×
    ``lost_yield_weight``; it is handed over from ``available_year``.
    """

    tiers: tuple[str, ...] = ("D",)
    cost_per_ha: float = _num(300.0)
    cost_column: str | None = None
    available_year: int | None = _num(None, low=None)
    lost_yield_weight: float = _num(1.0)


@dataclass(frozen=True)
class MergeSpec:
    """``consolidation.merge``: merged sites of adjacent available land parcels.

    Parcels within ``gap_m`` of each other (a road to be closed) are neighbours; a
    site is up to ``max_parcels`` of them, connected, in one park, of one kind
    and, with ``same_zoning``, of one zoning code.
    """

    gap_m: float = _num(30.0)
    max_parcels: int = _num(3, low=2)
    same_zoning: bool = True


@dataclass(frozen=True)
class SwapSpec:
    """``consolidation.swap``: construction-land quota swaps (指标调剂、置换).

    ``out`` names the parcel column (true/false) marking land that may be returned
    to non-construction use (also every available land parcel below
    ``out_below_ha``, when set); returning it frees ``ratio × area`` of quota in
    its ``scope`` and costs ``cost_per_ha`` (万元, reclamation) at the subsidy
    weight. ``needs_quota`` names the column marking parcels usable only with
    quota freed in their scope.
    """

    out: str = "fragment"
    needs_quota: str = "needs_quota"
    ratio: float = _num(1.0, low_open=True)
    scope: QuotaScope = QuotaScope.PARK
    out_below_ha: float | None = _num(None, low_open=True)
    cost_per_ha: float = _num(30.0)


@dataclass(frozen=True)
class Consolidation:
    """``consolidation:``: merged sites and quota swaps; either may be left out."""

    merge: MergeSpec | None = None
    swap: SwapSpec | None = None


@dataclass(frozen=True)
class Phasing:
    """``phasing:``: a plan over the years ``first``..``last`` (docs/phasing.md).

    A placed pair gets a year t with max(start_year, available_year, first) ≤ t ≤
    min(start_year + ``max_delay``, last); its value is scaled by
    1 − ``delay_weight`` · (t − start_year). ``budget`` caps the subsidy paid in a
    year (万元) and ``land_ha`` the land handed over in a year: ``{year: ha}`` for
    the district or ``{park: {year: ha}}``; a year left out has no cap.
    """

    years: tuple[int, int]  # the first and the last planning year
    budget: dict[int, float] | None = None
    land_ha: dict[int, float] | dict[str, dict[int, float]] | None = None
    max_delay: int = _num(2)
    delay_weight: float = _num(0.05, high=1.0)

    @property
    def first(self) -> int:
        return self.years[0]

    @property
    def last(self) -> int:
        return self.years[1]

    @property
    def span(self) -> list[int]:
        """Every planning year, in order."""
        return list(range(self.first, self.last + 1))

    def land_caps(self) -> list[tuple[str | None, int, float]]:
        """``(park or None for the district, year, ha)`` for every capped year."""
        caps: list[tuple[str | None, int, float]] = []
        for key, value in (self.land_ha or {}).items():
            if isinstance(value, dict):
                caps += [(str(key), int(t), float(v)) for t, v in value.items()]
            else:
                caps.append((None, int(key), float(value)))
        return caps


@dataclass(frozen=True)
class Tracking:
    """``tracking:``: months between the stages of a major project (挂图推进), for
    deadlines scheduled backwards from the target producing date; without a planned
    投产 date the target is 31 December of the plan year + ``target_years``."""

    signed_to_started: int = _num(6)
    started_to_finished: int = _num(18)
    finished_to_producing: int = _num(6)
    target_years: int = _num(2)


@dataclass(frozen=True)
class CostShare:
    """How land development cost is shared, and who bears what the cap removes."""

    method: Method = Method.AREA
    cap_ratio: float = _num(0.70, high=1.0, low_open=True)
    shortfall: Bearer = Bearer.SUBSIDY
    budget: float | None = _num(None)
    spread_max_ratio: float | None = _num(None, low_open=True)


@dataclass(frozen=True)
class MapSpec:
    """``map:``: the page's language and an optional base map.

    ``tiles`` is a Leaflet URL template (a local tile server, Tianditu with its
    key, Gaode); ``datum`` is the tiles' datum: ``gcj02`` (Gaode/AutoNavi) shifts
    every overlay to match them. ``auto`` picks gcj02 for autonavi/amap URLs.
    """

    lang: Lang = Lang.ZH
    tiles: str | None = None
    attribution: str = ""
    datum: Datum = Datum.AUTO

    @property
    def tile_datum(self) -> Datum:
        if self.datum != Datum.AUTO:
            return self.datum
        gaode = self.tiles is not None and re.search(r"autonavi|amap", self.tiles, re.I)
        return Datum.GCJ02 if gaode else Datum.WGS84


@dataclass(frozen=True)
class IndicatorTarget:
    """One row of the plan's target table: the figure in the baseline year and the
    target (shares as fractions); None where the plan gives none."""

    baseline: float | None = _num(None, low=None)
    target: float | None = _num(None, low=None)


def _daxing_targets() -> dict[str, IndicatorTarget]:
    return {k: IndicatorTarget(baseline=b, target=t) for k, (b, t) in DAXING_2025.items()}


@dataclass(frozen=True)
class PlanSpec:
    """``plan:``: the plan the pages speak for. ``title`` and ``issuer`` (the issuing
    unit) head the report and the workbook; ``indicators`` is the plan's target
    table, each figure of ``baseline_year`` and the target for ``target_year`` (by
    default the Daxing 14th Five-Year plan's 2025 table)."""

    title: str | None = None
    issuer: str | None = None
    baseline_year: int = _num(2020, low=1900)
    target_year: int = _num(2025, low=1900)
    indicators: dict[str, IndicatorTarget] = field(default_factory=_daxing_targets)


@dataclass(frozen=True)
class OutputSpec:
    """``output:``: how files for people are written. ``csv_encoding``: UTF-8 with a
    byte-order mark (Excel reads it as UTF-8) or GB18030 (for older Excel on Chinese
    Windows); landplan reads both back."""

    csv_encoding: CsvEncoding = CsvEncoding.UTF8_BOM


@dataclass(frozen=True)
class PolicySpec:
    """``policy:``: the questions policy staff ask of a plan, answered in the report.
    ``budget_step`` (万元): what that much more subsidy budget would buy, when the
    budget binds (one more solve; 0: not asked); ``place_all``: what placing every
    project would take (one or two more solves); ``importance_tolerance``: with
    ``run --importance``, a parcel whose loss is bracketed more closely than this
    share of the plan's objective is reported as that interval, not solved again."""

    budget_step: float = _num(10_000.0)
    place_all: bool = True
    importance_tolerance: float = _num(0.001, low=0.0, high=1.0)


@dataclass(frozen=True)
class SolverOptions:
    """The MIP solver and when it may stop (relative gap to the proven bound, seconds)."""

    # HiGHS by default: in process (no model file, no subprocess) and the LP engine of
    # column generation anyway; CBC is as fast on some sizes (README, bench_engine.py)
    name: SolverName = SolverName.HIGHS
    gap: float = _num(1e-4, high=1.0)
    time_limit: float = _num(120.0, low_open=True)
    threads: int = _num(2, low=1)
    # price the pair table (docs/model.md "Pricing"); false: every pair to the solver
    pricing: bool = True


@dataclass(frozen=True)
class Scenario:
    """A scenario as run: every path absolute, every default filled in."""

    name: str
    file: Path
    crs: str
    layers: tuple[LayerSpec, ...]
    projects: TableSpec
    zoning: TableSpec
    parks: TableSpec | None = None
    firms: TableSpec | None = None
    evaluation: EvaluationSpec | None = None
    renewal: RenewalSpec | None = None
    consolidation: Consolidation = Consolidation()
    phasing: Phasing | None = None
    tracking: Tracking = Tracking()
    constraints: tuple[ConstraintSpec, ...] = ()
    near: tuple[NearSpec, ...] = ()
    targets: Targets = Targets()
    objective: Objective = Objective()
    entry_standards: EntryStandards = EntryStandards()
    costshare: CostShare = CostShare()
    solver: SolverOptions = SolverOptions()
    map: MapSpec = MapSpec()
    plan: PlanSpec = PlanSpec()
    output: OutputSpec = OutputSpec()
    policy: PolicySpec = PolicySpec()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``scenario.resolved.yaml`` (passwords removed)."""
        data: dict[str, Any] = _plain(self)
        for layer in data["layers"]:
            if "url" in layer:
                layer["url"] = redact(layer["url"])
        return data

    def files(self) -> list[Path]:
        """Every input file the scenario reads (for hashing), each once."""
        found: list[Path] = [self.file, self.projects.path, self.zoning.path]
        found += [t.path for t in (self.parks, self.firms) if t is not None]
        for spec in self.layers:
            if spec.path is not None:
                found.append(spec.path)
                if spec.path.suffix.lower() == ".shp":
                    found.append(spec.path.with_suffix(".dbf"))
        found += [c.path for c in self.constraints]
        found += [n.path for n in self.near]
        return sorted(set(found))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None and f.name != "file"
        }
    return value


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        The YAML file. Relative paths inside it are relative to its folder.
    overrides
        Dotted keys to set before validation, e.g. ``{"costshare.cap_ratio": 0.6}``.

    Raises
    ------
    InputError
        With one problem per bad key, all of them.
    """
    file = Path(path).resolve()
    if not file.is_file():
        raise InputError([Problem(str(path), "scenario file not found", fix="check the path")])
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise InputError(
            [Problem(str(file), f"not valid YAML: {msg}", fix="fix the YAML syntax")]
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            [Problem(str(file), "must be a mapping of keys", fix="see docs/scenario.md")]
        )
    raw = _extended(file, copy.deepcopy(raw))
    log = ProblemLog()
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value, log, str(file))
    scenario = _Parser(file, log).scenario(raw)
    log.raise_if_any()
    return scenario


def _extended(file: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` on top of the scenario it ``extends`` (a file in the same folder): its
    mappings merged key by key, anything else replaced."""
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    base = (file.parent / str(base_name)).resolve()
    if base.parent != file.parent or not base.is_file() or base == file:
        raise InputError(
            [
                Problem(
                    str(file),
                    f"extends names {base_name!r}, which is not another scenario file "
                    "in this folder",
                    field="extends",
                    fix="name a scenario file beside this one, e.g. extends: daxing-demo.yaml",
                )
            ]
        )
    parent = yaml.safe_load(base.read_text(encoding="utf-8"))
    if not isinstance(parent, dict) or "extends" in parent:
        raise InputError(
            [
                Problem(
                    str(base),
                    "cannot be extended: it is not a mapping of keys or extends another file",
                    field="extends",
                    fix="extend a scenario that extends nothing",
                )
            ]
        )

    def merge(under: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(under)
        for key, value in over.items():
            both = isinstance(value, dict) and isinstance(out.get(key), dict)
            out[key] = merge(out[key], value) if both else value
        return out

    return merge(parent, raw)


def parse_value(text: str) -> Any:
    """A command-line value as YAML would read it (``0.7`` -> float, ``null`` -> None);
    exit 2 when it is not YAML (a mapping cut at its commas, which separate values)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError(
            [
                Problem(
                    "--set",
                    f"value {text!r} is not a YAML value",
                    fix="commas separate the values of a --set; set a mapping's keys one by "
                    "one (phasing.max_delay=1) or write it in the scenario file",
                )
            ]
        ) from None


def _set_dotted(raw: dict[str, Any], key: str, value: Any, log: ProblemLog, source: str) -> None:
    parts = key.split(".")
    node: Any = raw
    for part in parts[:-1]:
        if not isinstance(node, dict):
            log.add(source, f"cannot set {key}: {part} is not a mapping", field=key)
            return
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        log.add(source, f"cannot set {key}", field=key)
        return
    node[parts[-1]] = value


def redact(url: str) -> str:
    """Drop a password from a database URL before it is shown or written."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


def _choices(kind: type[StrEnum]) -> str:
    return ", ".join(m.value for m in kind)


class _Parser:
    """Pulls typed values out of raw YAML, logging a problem per bad key."""

    def __init__(self, file: Path, log: ProblemLog) -> None:
        self.file = file
        self.log = log

    def problem(self, key: str, message: str, fix: str | None = None) -> None:
        self.log.add(str(self.file), f"{key} {message}", field=key, fix=fix)

    def keys(self, raw: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in raw:
            if key not in allowed:
                where = f"{prefix}.{key}" if prefix else str(key)
                self.problem(where, "is not a known key", f"use one of {sorted(allowed)}")

    def path(self, value: Any, key: str, *, required: bool = True) -> Path | None:
        if value is None or value == "":
            if required:
                self.problem(key, "is required", "give a path relative to the scenario file")
            return None
        if not isinstance(value, str):
            self.problem(key, f"must be a path, got {value!r}")
            return None
        resolved = (self.file.parent / value).resolve()
        if not resolved.exists():
            self.problem(key, f"file not found: {resolved}", "check the path")
        return resolved

    def table(self, value: Any, key: str, *, required: bool = True) -> TableSpec | None:
        """A table: ``file.csv`` or ``{path: file.xlsx, sheet: name}``."""
        if isinstance(value, dict):
            self.keys(value, {"path", "sheet"}, key)
            path = self.path(value.get("path"), f"{key}.path", required=required)
            sheet = value.get("sheet")
            if sheet is not None and not isinstance(sheet, str | int):
                self.problem(f"{key}.sheet", f"must be a sheet name, got {sheet!r}")
                sheet = None
            return None if path is None else TableSpec(path, None if sheet is None else str(sheet))
        path = self.path(value, key, required=required)
        return None if path is None else TableSpec(path)

    def number(self, value: Any, where: str, *, meta: dict[str, Any], integer: bool) -> Any:
        """``value`` checked against the field's range; None when it is bad (logged)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(
                where, f"must be a {'whole number' if integer else 'number'}, got {value!r}"
            )
            return None
        if integer and int(value) != value:
            self.problem(where, f"must be a whole number, got {value!r}")
            return None
        low, high, low_open = meta.get("low"), meta.get("high"), meta.get("low_open", False)
        bad_low = low is not None and (value <= low if low_open else value < low)
        if bad_low or (high is not None and value > high):
            left = "(" if low_open else "["
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            self.problem(where, f"must be in {left}{lo}, {hi}], got {value!r}")
            return None
        return int(value) if integer else float(value)

    def fields(
        self, cls: type[Any], raw: dict[str, Any], prefix: str, skip: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Every field of dataclass ``cls`` that ``raw`` sets, typed by its annotation.

        Fields in ``skip`` are left to the caller. Bad values fall back to the
        default after logging, so the rest of the file is still checked.
        """
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        self.keys(raw, names, prefix)
        out: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if spec.name in skip or spec.name not in raw:
                continue
            value, where = raw[spec.name], f"{prefix}.{spec.name}"
            kind = hints[spec.name]
            optional = isinstance(kind, types.UnionType) and type(None) in typing.get_args(kind)
            if optional:
                kind = next(a for a in typing.get_args(kind) if a is not type(None))
            if value is None and optional:
                out[spec.name] = None
                continue
            parsed: Any
            if isinstance(kind, type) and issubclass(kind, StrEnum):
                try:
                    parsed = kind(value)
                except ValueError:
                    self.problem(where, f"must be one of {_choices(kind)}, got {value!r}")
                    continue
            elif kind in (int, float):
                parsed = self.number(value, where, meta=dict(spec.metadata), integer=kind is int)
                if parsed is None:
                    continue
            elif kind is bool:
                if not isinstance(value, bool):
                    self.problem(where, f"must be true or false, got {value!r}")
                    continue
                parsed = value
            elif kind is str:
                parsed = str(value)
            else:  # a structured field: the caller parses it
                raise TypeError(f"bug: {cls.__name__}.{spec.name} needs its own parser")
            out[spec.name] = parsed
        return out

    def simple(self, cls: type[_T], raw: dict[str, Any], key: str) -> _T:
        """A section whose fields are all plain values: ``cls`` from ``raw[key]``."""
        return cls(**self.fields(cls, self.section(raw, key), key))

    def section(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        value = raw.get(key) or {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a mapping, got {value!r}")
            return {}
        return value

    def scenario(self, raw: dict[str, Any]) -> Scenario:
        top = {f.name for f in dataclasses.fields(Scenario)} - {"file"}
        self.keys(raw, top | {"description"}, "")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip() or "/" in name:
            self.problem("name", f"must be a non-empty folder name, got {name!r}")
            name = "scenario"
        crs = self.crs(raw.get("crs"), "crs", projected=True) or "EPSG:4548"
        layers_raw = raw.get("layers")
        if not isinstance(layers_raw, list) or not layers_raw:
            self.problem("layers", "must be a non-empty list of layer entries")
            layers_raw = []
        layers = [self.layer(entry, f"layers[{i}]") for i, entry in enumerate(layers_raw)]
        constraints_raw = raw.get("constraints") or []
        if not isinstance(constraints_raw, list):
            self.problem("constraints", "must be a list")
            constraints_raw = []
        constraints = [
            self.constraint(entry, f"constraints[{i}]") for i, entry in enumerate(constraints_raw)
        ]
        near_raw = raw.get("near") or []
        if not isinstance(near_raw, list):
            self.problem("near", "must be a list of proximity entries")
            near_raw = []
        near = [self.near(entry, f"near[{i}]") for i, entry in enumerate(near_raw)]
        projects = self.table(raw.get("projects"), "projects")
        zoning = self.table(raw.get("zoning"), "zoning")
        objective = self.simple(Objective, raw, "objective")
        costshare = self.simple(CostShare, raw, "costshare")
        if costshare.shortfall == Bearer.SPREAD and objective.spread > objective.subsidy:
            self.problem(
                "objective.spread",
                f"must not exceed objective.subsidy ({objective.subsidy:g}) under "
                f"shortfall: spread, got {objective.spread:g}",
                "the park's other users bear the shortfall before the fund does, so a "
                "万元 shifted to them cannot weigh more than a 万元 of subsidy",
            )
        return Scenario(
            name=name,
            file=self.file,
            crs=crs,
            layers=tuple(x for x in layers if x is not None),
            constraints=tuple(x for x in constraints if x is not None),
            near=tuple(x for x in near if x is not None),
            targets=self.simple(Targets, raw, "targets"),
            projects=projects or TableSpec(Path()),
            zoning=zoning or TableSpec(Path()),
            parks=self.table(raw.get("parks"), "parks", required=False),
            **self.firms(raw),
            consolidation=self.consolidation(self.section(raw, "consolidation")),
            phasing=self.phasing(raw.get("phasing")),
            tracking=self.simple(Tracking, raw, "tracking"),
            objective=objective,
            entry_standards=self.simple(EntryStandards, raw, "entry_standards"),
            costshare=costshare,
            solver=self.simple(SolverOptions, raw, "solver"),
            map=self.map(self.section(raw, "map")),
            plan=self.plan(self.section(raw, "plan")),
            output=self.simple(OutputSpec, raw, "output"),
            policy=self.simple(PolicySpec, raw, "policy"),
        )

    def plan(self, raw: dict[str, Any]) -> PlanSpec:
        """``plan:``; ``indicators`` given replace the default table row by row."""
        values = self.fields(PlanSpec, raw, "plan", skip=("indicators",))
        indicators = _daxing_targets()
        given = raw.get("indicators")
        if given is not None and not isinstance(given, dict):
            self.problem("plan.indicators", f"must be a mapping, got {given!r}")
            given = None
        for name, row in (given or {}).items():
            where = f"plan.indicators.{name}"
            if name not in INDICATOR_UNITS:
                self.problem(where, "is not a known indicator", f"use {', '.join(INDICATOR_UNITS)}")
            elif row is None:
                indicators.pop(name, None)  # a row the plan does not have
            elif not isinstance(row, dict):
                self.problem(where, f"must be {{baseline, target}}, got {row!r}")
            else:
                indicators[name] = IndicatorTarget(**self.fields(IndicatorTarget, row, where))
        for key in ("title", "issuer"):
            if key in values and not str(values[key]).strip():
                values[key] = None
        spec = PlanSpec(indicators=indicators, **values)
        if spec.target_year <= spec.baseline_year:
            self.problem(
                "plan.target_year",
                f"must come after plan.baseline_year ({spec.baseline_year}), "
                f"got {spec.target_year}",
            )
        return spec

    def firms(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``firms``, ``evaluation`` and ``renewal``; evaluation defaults apply when
        only ``renewal`` is given."""
        firms = self.table(raw.get("firms"), "firms", required=False)
        evaluation = renewal = None
        if raw.get("evaluation") is not None or raw.get("renewal") is not None:
            evaluation = self.evaluation(self.section(raw, "evaluation"))
            if firms is None:
                self.problem(
                    "firms",
                    "is required by evaluation: and renewal:",
                    "name the table of firms on land in use, e.g. firms: firms.csv",
                )
        if raw.get("renewal") is not None:
            renewal = self.renewal(self.section(raw, "renewal"))
        return {"firms": firms, "evaluation": evaluation, "renewal": renewal}

    def consolidation(self, raw: dict[str, Any]) -> Consolidation:
        self.keys(raw, {"merge", "swap"}, "consolidation")
        merge = swap = None
        if raw.get("merge") is not None:
            section = self.section(raw, "merge")
            merge = MergeSpec(**self.fields(MergeSpec, section, "consolidation.merge"))
        if raw.get("swap") is not None:
            section = self.section(raw, "swap")
            swap = SwapSpec(**self.fields(SwapSpec, section, "consolidation.swap"))
        return Consolidation(merge=merge, swap=swap)

    def phasing(self, raw: Any) -> Phasing | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.problem("phasing", f"must be a mapping, got {raw!r}")
            return None
        self.keys(raw, {"years", "budget", "land_ha", "max_delay", "delay_weight"}, "phasing")
        plain = {k: raw[k] for k in ("max_delay", "delay_weight") if k in raw}
        values = self.fields(Phasing, plain, "phasing")
        years = raw.get("years")
        ok = (
            isinstance(years, list)
            and len(years) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            and 1900 <= years[0] <= years[1] <= years[0] + 50
        )
        if not ok or not isinstance(years, list):
            self.problem(
                "phasing.years",
                f"must be [first year, last year], got {years!r}",
                "e.g. years: [2025, 2030]",
            )
            return None
        first, last = int(years[0]), int(years[1])
        budget = self.per_year(raw.get("budget"), "phasing.budget", first=first, last=last)
        land: Any = None
        given = raw.get("land_ha")
        if isinstance(given, dict) and any(isinstance(v, dict) for v in given.values()):
            land = {
                str(park): self.per_year(v, f"phasing.land_ha.{park}", first=first, last=last) or {}
                for park, v in given.items()
            }
        else:
            land = self.per_year(given, "phasing.land_ha", first=first, last=last)
        return Phasing(years=(first, last), budget=budget, land_ha=land, **values)

    def per_year(self, value: Any, key: str, *, first: int, last: int) -> dict[int, float] | None:
        """A cap per year: one number for every year, or ``{year: number}``."""
        if value is None:
            return None
        if not isinstance(value, dict):
            number = self.number(value, key, meta={"low": 0.0}, integer=False)
            return None if number is None else dict.fromkeys(range(first, last + 1), number)
        out: dict[int, float] = {}
        for year, cap in value.items():
            where = f"{key}.{year}"
            if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
                self.problem(where, f"must be a planning year {first}..{last}, got {year!r}")
                continue
            number = self.number(cap, where, meta={"low": 0.0}, integer=False)
            if number is not None:
                out[year] = number
        return out

    def evaluation(self, raw: dict[str, Any]) -> EvaluationSpec:
        values = self.fields(EvaluationSpec, raw, "evaluation", skip=("indicators", "tiers"))
        indicators = dict(DEFAULT_INDICATORS)
        given = raw.get("indicators")
        if given is not None:
            if not isinstance(given, dict) or not given:
                self.problem("evaluation.indicators", f"must be a mapping, got {given!r}")
            else:
                indicators = {}
                for name, spec in given.items():
                    where = f"evaluation.indicators.{name}"
                    if name not in {i.value for i in Indicator}:
                        self.problem(
                            where, "is not a known indicator", f"use {_choices(Indicator)}"
                        )
                        continue
                    if isinstance(spec, int | float) and not isinstance(spec, bool):
                        spec = {"weight": spec}  # tax_per_mu: 0.4
                    if not isinstance(spec, dict):
                        self.problem(where, f"must be {{weight, benchmark}}, got {spec!r}")
                        continue
                    spec = dict(spec)
                    if spec.get("benchmark") == "median":
                        spec["benchmark"] = None
                    indicators[name] = IndicatorSpec(**self.fields(IndicatorSpec, spec, where))
                if indicators and sum(s.weight for s in indicators.values()) <= 0:
                    self.problem("evaluation.indicators", "must give some indicator a weight > 0")
        tiers = {"A": 100.0, "B": 80.0, "C": 60.0}
        given = raw.get("tiers")
        if given is not None:
            names = TIER_NAMES[:-1]
            ok = isinstance(given, dict) and given and set(given) <= set(names)
            numbers = ok and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in given.values()
            )
            ordered = [float(given[n]) for n in names if n in given] if numbers else []
            if (
                not numbers
                or ordered != sorted(ordered, reverse=True)
                or len(set(ordered)) < len(ordered)
            ):
                self.problem(
                    "evaluation.tiers",
                    f"must map tiers A, B, C to falling score thresholds, got {given!r}",
                    "e.g. {A: 100, B: 80, C: 60}; a score below the last is tier D",
                )
            else:
                tiers = {n: float(given[n]) for n in names if n in given}
        return EvaluationSpec(indicators=indicators, tiers=tiers, **values)

    def renewal(self, raw: dict[str, Any]) -> RenewalSpec:
        values = self.fields(RenewalSpec, raw, "renewal", skip=("tiers", "cost_column"))
        given = raw.get("tiers", ["D"])
        if isinstance(given, str):  # "C+D" or "C;D": sweepable from the command line
            given = [w for w in re.split(r"[+;,\s]+", given) if w]
        if not isinstance(given, list) or not set(map(str, given)) <= set(TIER_NAMES):
            self.problem(
                "renewal.tiers",
                f"must be a list of tiers out of {', '.join(TIER_NAMES)}, got {given!r}",
                "e.g. [D], [C, D] or, from the command line, C+D",
            )
            given = ["D"]
        column = raw.get("cost_column")
        if column is not None and not isinstance(column, str):
            self.problem("renewal.cost_column", f"must be a column name, got {column!r}")
            column = None
        return RenewalSpec(
            tiers=tuple(dict.fromkeys(str(t) for t in given)), cost_column=column, **values
        )

    def crs(self, value: Any, key: str, *, projected: bool = False) -> str | None:
        if value is None:
            if projected:
                self.problem(key, "is required", "give a projected CRS such as EPSG:4548")
            return None
        try:
            crs = CRS.from_user_input(value)
        except CRSError:
            self.problem(key, f"is not a CRS pyproj knows: {value!r}", "use e.g. EPSG:4548")
            return None
        if projected and not crs.is_projected:
            self.problem(
                key,
                f"must be a projected CRS (areas are measured in it), got {value!r}",
                "use a CGCS2000 Gauss-Kruger CRS such as EPSG:4548",
            )
            return None
        return str(value)

    def layer(self, raw: Any, prefix: str) -> LayerSpec | None:
        if not isinstance(raw, dict):
            self.problem(prefix, f"must be a mapping, got {raw!r}")
            return None
        self.keys(raw, {f.name for f in dataclasses.fields(LayerSpec)}, prefix)
        got = raw.get("kind")
        try:
            kind = Kind(str(got))
        except ValueError:
            self.problem(f"{prefix}.kind", f"must be one of {_choices(Kind)}, got {got!r}")
            kind = Kind.VACANT
        fields = raw.get("fields") or {}
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            self.problem(f"{prefix}.fields", "must map source column names to contract fields")
            fields = {}
        encoding = raw.get("encoding")
        if encoding is not None:
            try:
                "".encode(str(encoding))
            except LookupError:
                self.problem(
                    f"{prefix}.encoding",
                    f"is not a known encoding: {encoding!r}",
                    "use e.g. gbk, gb18030 or utf-8",
                )
                encoding = None
        url = raw.get("url")
        path = None
        if url is None:
            path = self.path(raw.get("path"), f"{prefix}.path")
        elif not isinstance(url, str) or not re.match(r"postgres(ql)?(\+\w+)?://", url):
            self.problem(
                f"{prefix}.url",
                f"must be a postgresql:// URL, got {redact(str(url))!r}",
                "e.g. postgresql://planner@db.intranet:5432/landuse (password from "
                "PGPASSWORD or ~/.pgpass)",
            )
        elif (raw.get("table") is None) == (raw.get("sql") is None):
            self.problem(
                f"{prefix}.table",
                "a PostGIS layer needs exactly one of 'table:' (schema.table) or 'sql:'",
                "e.g. table: planning.parcels",
            )
        return LayerSpec(
            kind=kind,
            path=path,
            layer=raw.get("layer"),
            url=url,
            table=raw.get("table"),
            sql=raw.get("sql"),
            fields=dict(fields),
            encoding=encoding,
            crs=self.crs(raw.get("crs"), f"{prefix}.crs"),
            park=raw.get("park"),
        )

    def constraint(self, raw: Any, prefix: str) -> ConstraintSpec | None:
        if not isinstance(raw, dict):
            self.problem(prefix, f"must be a mapping, got {raw!r}")
            return None
        values = self.fields(ConstraintSpec, raw, prefix, skip=("path", "sectors", "layer"))
        if values.get("rule", Rule.EXCLUDE) == Rule.BUFFER and values.get("distance_m", 0) <= 0:
            self.problem(f"{prefix}.distance_m", "must be > 0 for a buffer rule")
        sectors = raw.get("sectors") or []
        if isinstance(sectors, str):
            sectors = [sectors]
        path = self.path(raw.get("path"), f"{prefix}.path")
        values["name"] = str(values.get("name") or raw.get("layer") or prefix)
        return ConstraintSpec(
            path=path or Path(),
            layer=raw.get("layer"),
            sectors=tuple(str(s) for s in sectors),
            **values,
        )

    def near(self, raw: Any, prefix: str) -> NearSpec | None:
        """``{layer: {path, layer}, sectors, within_m, weight}`` (or ``path:`` and
        ``layer:`` beside the other keys)."""
        if not isinstance(raw, dict):
            self.problem(prefix, f"must be a mapping, got {raw!r}")
            return None
        raw = dict(raw)
        source = raw.pop("layer", None)
        if isinstance(source, dict):
            self.keys(source, {"path", "layer"}, f"{prefix}.layer")
            path_value, layer = source.get("path"), source.get("layer")
        else:
            path_value, layer = raw.get("path"), source
        raw.pop("path", None)
        values = self.fields(NearSpec, raw, prefix, skip=("sectors",))
        if "weight" not in raw:
            self.problem(f"{prefix}.weight", "is required", "give the score at distance 0")
        sectors = raw.get("sectors") or []
        if isinstance(sectors, str):
            sectors = [sectors]
        path = self.path(path_value, f"{prefix}.layer.path")
        values["name"] = str(values.get("name") or layer or (path.stem if path else prefix))
        return NearSpec(
            path=path or Path(),
            layer=None if layer is None else str(layer),
            sectors=tuple(str(x) for x in sectors),
            **values,
        )

    def map(self, raw: dict[str, Any]) -> MapSpec:
        values = self.fields(MapSpec, raw, "map", skip=("tiles",))
        tiles = raw.get("tiles")
        if tiles is not None and (not isinstance(tiles, str) or "{z}" not in tiles):
            self.problem(
                "map.tiles",
                f"must be a tile URL template with {{z}}, {{x}}, {{y}}, got {tiles!r}",
                "e.g. http://tiles.intranet/{z}/{x}/{y}.png, or leave it out for no base map",
            )
            tiles = None
        return MapSpec(tiles=tiles, **values)
