"""Scenario files: YAML in, typed and validated objects out.

Every problem is reported with the path of the bad key and the allowed values,
e.g. ``costshare.cap_ratio must be in (0, 1], got 1.4``; all problems of a file are
collected before anything is raised.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from landplan.constants import KINDS
from landplan.errors import InputError, Problem, ProblemLog

SOLVERS = ("cbc", "highs")
COSTSHARE_METHODS = ("area", "actual", "floor")
MAP_LANGS = ("zh", "en")
MAP_DATUMS = ("auto", "wgs84", "gcj02")
SHORTFALL_BEARERS = ("subsidy", "spread", "deferred")
CONSTRAINT_RULES = ("exclude", "buffer")
ENTRY_SCOPES = ("land", "standard_land")


@dataclass(frozen=True)
class LayerSpec:
    """One parcel layer: a file layer or a database table, and how to read it."""

    kind: str
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
        return f"{_redact(self.url or '')} {self.table or 'sql'}"


@dataclass(frozen=True)
class ConstraintSpec:
    """A spatial rule: parcels touching (or within ``distance_m`` of) a layer are out."""

    name: str
    path: Path
    rule: str = "exclude"
    layer: str | None = None
    distance_m: float = 0.0
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Objective:
    """Weights of the objective, per unit of each project attribute (see CONTRACT)."""

    output: float = 1.0
    tax: float = 5.0
    jobs: float = 0.0
    hightech: float = 2000.0
    major: float = 5000.0
    subsidy: float = 1.0


@dataclass(frozen=True)
class EntryStandards:
    """Minimum investment/output per ha and tax per mu for land pairs; 0 = off."""

    investment_per_ha: float = 0.0
    output_per_ha: float = 0.0
    tax_per_mu: float = 0.0
    scope: str = "land"


@dataclass(frozen=True)
class CostShare:
    """How land development cost is shared, and who bears what the cap removes."""

    method: str = "area"
    cap_ratio: float = 0.70
    shortfall: str = "subsidy"
    budget: float | None = None
    spread_max_ratio: float | None = None


@dataclass(frozen=True)
class MapSpec:
    """``map:``: the page's language and an optional base map.

    ``tiles`` is a Leaflet URL template (a local tile server, Tianditu with its
    key, Gaode); ``datum`` is the tiles' datum: ``gcj02`` (Gaode/AutoNavi) shifts
    every overlay to match them. ``auto`` picks gcj02 for autonavi/amap URLs.
    """

    lang: str = "zh"
    tiles: str | None = None
    attribution: str = ""
    datum: str = "auto"

    @property
    def tile_datum(self) -> str:
        if self.datum != "auto":
            return self.datum
        gaode = self.tiles is not None and re.search(r"autonavi|amap", self.tiles, re.I)
        return "gcj02" if gaode else "wgs84"


@dataclass(frozen=True)
class SolverOptions:
    name: str = "cbc"
    gap: float = 1e-4
    time_limit: float = 120.0
    threads: int = 2


@dataclass(frozen=True)
class Scenario:
    """A scenario as run: every path absolute, every default filled in."""

    name: str
    file: Path
    crs: str
    layers: tuple[LayerSpec, ...]
    projects: Path
    zoning: Path
    parks: Path | None = None
    constraints: tuple[ConstraintSpec, ...] = ()
    objective: Objective = Objective()
    entry_standards: EntryStandards = EntryStandards()
    costshare: CostShare = CostShare()
    solver: SolverOptions = SolverOptions()
    map: MapSpec = MapSpec()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``scenario.resolved.yaml``."""

        def plain(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {
                    f.name: plain(getattr(value, f.name))
                    for f in dataclasses.fields(value)
                    if getattr(value, f.name) is not None and f.name != "file"
                }
            return value

        data: dict[str, Any] = plain(self)
        for layer in data["layers"]:
            if "url" in layer:
                layer["url"] = _redact(layer["url"])
        return data


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
        raise InputError([Problem(str(file), "must be a mapping of keys", fix="see CONTRACT.md")])
    raw = copy.deepcopy(raw)
    log = ProblemLog()
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value, log, str(file))
    scenario = _Parser(file, log).scenario(raw)
    log.raise_if_any()
    assert scenario is not None
    return scenario


def parse_value(text: str) -> Any:
    """A command-line value as YAML would read it (``0.7`` -> float, ``null`` -> None)."""
    return yaml.safe_load(text)


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


def _redact(url: str) -> str:
    """Drop a password from a database URL before it is shown or written."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


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

    def path(self, value: Any, key: str, required: bool = True) -> Path | None:
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

    def number(
        self,
        raw: dict[str, Any],
        key: str,
        default: float | None,
        prefix: str,
        low: float | None = 0.0,
        high: float | None = None,
        low_open: bool = False,
    ) -> float | None:
        value = raw.get(key, default)
        where = f"{prefix}.{key}"
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(where, f"must be a number, got {value!r}")
            return default
        bad_low = low is not None and (value <= low if low_open else value < low)
        bad_high = high is not None and value > high
        if bad_low or bad_high:
            left = "(" if low_open else "["
            lo = "-inf" if low is None else f"{low:g}"
            hi = "inf" if high is None else f"{high:g}"
            self.problem(where, f"must be in {left}{lo}, {hi}], got {value!r}")
            return default
        return float(value)

    def choice(
        self, raw: dict[str, Any], key: str, default: str, allowed: tuple[str, ...], prefix: str
    ) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            self.problem(
                f"{prefix}.{key}" if prefix else key,
                f"must be one of {', '.join(allowed)}, got {value!r}",
            )
            return default
        return str(value)

    def section(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        value = raw.get(key) or {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a mapping, got {value!r}")
            return {}
        return value

    def scenario(self, raw: dict[str, Any]) -> Scenario | None:
        allowed = {
            "name",
            "crs",
            "layers",
            "projects",
            "zoning",
            "parks",
            "constraints",
            "objective",
            "entry_standards",
            "costshare",
            "solver",
            "map",
            "description",
        }
        self.keys(raw, allowed, "")
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
        projects = self.path(raw.get("projects"), "projects")
        zoning = self.path(raw.get("zoning"), "zoning")
        parks = self.path(raw.get("parks"), "parks", required=False)
        scenario = Scenario(
            name=name,
            file=self.file,
            crs=crs,
            layers=tuple(x for x in layers if x is not None),
            constraints=tuple(x for x in constraints if x is not None),
            projects=projects or Path(),
            zoning=zoning or Path(),
            parks=parks,
            objective=self.objective(self.section(raw, "objective")),
            entry_standards=self.entry(self.section(raw, "entry_standards")),
            costshare=self.costshare(self.section(raw, "costshare")),
            solver=self.solver(self.section(raw, "solver")),
            map=self.map(self.section(raw, "map")),
        )
        return scenario

    def crs(self, value: Any, key: str, projected: bool = False) -> str | None:
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
        allowed = {
            "path",
            "layer",
            "url",
            "table",
            "sql",
            "kind",
            "fields",
            "encoding",
            "crs",
            "park",
        }
        self.keys(raw, allowed, prefix)
        kind = self.choice(raw, "kind", "", KINDS, prefix)
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
                f"must be a postgresql:// URL, got {_redact(str(url))!r}",
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
        self.keys(raw, {"name", "path", "layer", "rule", "distance_m", "sectors"}, prefix)
        rule = self.choice(raw, "rule", "exclude", CONSTRAINT_RULES, prefix)
        distance = self.number(raw, "distance_m", 0.0, prefix) or 0.0
        if rule == "buffer" and distance <= 0:
            self.problem(f"{prefix}.distance_m", "must be > 0 for a buffer rule")
        sectors = raw.get("sectors") or []
        if isinstance(sectors, str):
            sectors = [sectors]
        path = self.path(raw.get("path"), f"{prefix}.path")
        return ConstraintSpec(
            name=str(raw.get("name") or raw.get("layer") or prefix),
            path=path or Path(),
            rule=rule,
            layer=raw.get("layer"),
            distance_m=distance,
            sectors=tuple(str(s) for s in sectors),
        )

    def objective(self, raw: dict[str, Any]) -> Objective:
        names = [f.name for f in dataclasses.fields(Objective)]
        self.keys(raw, set(names), "objective")
        base = Objective()
        values = {n: self.number(raw, n, getattr(base, n), "objective", low=None) for n in names}
        return Objective(**{k: float(v or 0.0) for k, v in values.items()})

    def entry(self, raw: dict[str, Any]) -> EntryStandards:
        self.keys(
            raw, {"investment_per_ha", "output_per_ha", "tax_per_mu", "scope"}, "entry_standards"
        )
        p = "entry_standards"
        return EntryStandards(
            investment_per_ha=self.number(raw, "investment_per_ha", 0.0, p) or 0.0,
            output_per_ha=self.number(raw, "output_per_ha", 0.0, p) or 0.0,
            tax_per_mu=self.number(raw, "tax_per_mu", 0.0, p) or 0.0,
            scope=self.choice(raw, "scope", "land", ENTRY_SCOPES, p),
        )

    def costshare(self, raw: dict[str, Any]) -> CostShare:
        p = "costshare"
        self.keys(raw, {"method", "cap_ratio", "shortfall", "budget", "spread_max_ratio"}, p)
        return CostShare(
            method=self.choice(raw, "method", "area", COSTSHARE_METHODS, p),
            cap_ratio=self.number(raw, "cap_ratio", 0.70, p, low=0.0, high=1.0, low_open=True)
            or 0.70,
            shortfall=self.choice(raw, "shortfall", "subsidy", SHORTFALL_BEARERS, p),
            budget=self.number(raw, "budget", None, p),
            spread_max_ratio=self.number(raw, "spread_max_ratio", None, p, low_open=True),
        )

    def map(self, raw: dict[str, Any]) -> MapSpec:
        p = "map"
        self.keys(raw, {"lang", "tiles", "attribution", "datum"}, p)
        tiles = raw.get("tiles")
        if tiles is not None and (not isinstance(tiles, str) or "{z}" not in tiles):
            self.problem(
                "map.tiles",
                f"must be a tile URL template with {{z}}, {{x}}, {{y}}, got {tiles!r}",
                "e.g. http://tiles.intranet/{z}/{x}/{y}.png, or leave it out for no base map",
            )
            tiles = None
        return MapSpec(
            lang=self.choice(raw, "lang", "zh", MAP_LANGS, p),
            tiles=tiles,
            attribution=str(raw.get("attribution") or ""),
            datum=self.choice(raw, "datum", "auto", MAP_DATUMS, p),
        )

    def solver(self, raw: dict[str, Any]) -> SolverOptions:
        p = "solver"
        self.keys(raw, {"name", "gap", "time_limit", "threads"}, p)
        threads = raw.get("threads", 2)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            self.problem("solver.threads", f"must be a whole number >= 1, got {threads!r}")
            threads = 2
        return SolverOptions(
            name=self.choice(raw, "name", "cbc", SOLVERS, p),
            gap=self.number(raw, "gap", 1e-4, p, high=1.0) or 0.0,
            time_limit=self.number(raw, "time_limit", 120.0, p, low_open=True) or 120.0,
            threads=threads,
        )
