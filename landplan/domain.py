"""Domain values as enums: what a scenario, a layer or a solver may say, named once.

Each is a ``StrEnum``, so it compares equal to its text (``Kind.FACTORY == "factory"``)
and reads and writes as plain text in YAML, CSV and JSON.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a parcel layer holds (docs/inputs.md, "Parcels")."""

    FACTORY = "factory"  # 标准厂房: floor space in a standard factory building
    VACANT = "vacant"  # 已征未建 / 未征 idle construction land
    COLLECTIVE = "collective"  # 集体经营性建设用地


LAND_KINDS = (Kind.VACANT, Kind.COLLECTIVE)


class Status(StrEnum):
    """A parcel's status; only available parcels are allocated."""

    AVAILABLE = "available"
    RESERVED = "reserved"
    OCCUPIED = "occupied"


class Need(StrEnum):
    """What a project needs: a whole land parcel, or space in a standard factory."""

    LAND = "land"
    FLOOR = "floor"


class Method(StrEnum):
    """How a pair's base share of land development cost is measured."""

    AREA = "area"  # park average × land used
    ACTUAL = "actual"  # the parcel's own dev_cost, in proportion
    FLOOR = "floor"  # park cost per m² of permitted floor space × floor space taken


class Bearer(StrEnum):
    """Who bears what the high-tech cap takes off a share (the shortfall)."""

    SUBSIDY = "subsidy"  # the district fund, against the budget
    SPREAD = "spread"  # the park's other land users
    DEFERRED = "deferred"  # booked against the park's later land sales


class QuotaScope(StrEnum):
    """Where quota freed by returning land may be used (``consolidation.swap.scope``)."""

    PARK = "park"  # in the returned parcel's own park
    DISTRICT = "district"  # anywhere in the district


class SolverName(StrEnum):
    CBC = "cbc"
    HIGHS = "highs"


class SolveStatus(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"  # within the gap of the proven bound
    TIME_LIMIT = "time_limit"  # stopped with a plan, at the time limit
    INFEASIBLE = "infeasible"  # proven: no plan satisfies the rules


class Lang(StrEnum):
    """The language of pages and messages."""

    ZH = "zh"
    EN = "en"


class CsvEncoding(StrEnum):
    """How CSV files for people are written (``output.csv_encoding``)."""

    UTF8_BOM = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel reads it as UTF-8
    GB18030 = "gb18030"  # the Chinese national encoding (a superset of GBK)


class Datum(StrEnum):
    """The datum of a map's base tiles."""

    AUTO = "auto"
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


class Reason(StrEnum):
    """Why a project is not placed (``allocation.csv``'s ``reason``; docs/outputs.md)."""

    NO_ELIGIBLE_PARCEL = "no eligible parcel"  # every candidate removed by a rule
    ANNUAL_CAPS = "annual caps"  # under phasing: its years have no land or budget left
    OUTCOMPETED = "outcompeted"  # every eligible parcel went to other projects
    BUDGET = "budget"  # its free parcels need more subsidy than is left
    NOT_WORTH_PLACING = "not worth placing"  # its best free parcel has a negative value
    SOLVER_STOPPED = "solver stopped"  # worth placing; the solver stopped within its gap


class Rule(StrEnum):
    """A spatial rule: parcels touching a layer (or within a distance of it) are out."""

    EXCLUDE = "exclude"
    BUFFER = "buffer"


class EntryScope(StrEnum):
    """Which land pairs the entry standards (准入标准) apply to."""

    LAND = "land"
    STANDARD_LAND = "standard_land"


class Priority(StrEnum):
    """How high-tech priority (优先保障) enters the plan."""

    WEIGHTED = "weighted"  # a bonus per high-tech project placed (objective.hightech)
    HIGHTECH_FIRST = "hightech_first"  # most high-tech projects first, then the best value


class Indicator(StrEnum):
    """A 亩均 indicator of a firm on land in use (亩均论英雄, docs/evaluation.md)."""

    TAX_PER_MU = "tax_per_mu"  # 亩均税收, 万元/亩
    OUTPUT_PER_MU = "output_per_mu"  # 亩均产值, 万元/亩
    VALUE_ADDED_PER_MU = "value_added_per_mu"  # 亩均增加值, 万元/亩
    VALUE_ADDED_PER_ENERGY = "value_added_per_energy"  # 单位能耗增加值, 万元/tce
    RD_INTENSITY = "rd_intensity"  # R&D 经费占产值比重 (a fraction)
    LABOUR_PRODUCTIVITY = "labour_productivity"  # 全员劳动生产率, 万元/person


class Target(StrEnum):
    """The plan's 2025 targets that a scenario may impose as constraints."""

    OUTPUT_PER_HA = "output_per_ha"  # 万元 of output per ha of land used
    LABOUR_PRODUCTIVITY = "labour_productivity"  # 万元 of output per job
    RD_INTENSITY = "rd_intensity"  # R&D spending ÷ output (a fraction)
    HIGHTECH_OUTPUT_SHARE = "hightech_output_share"  # high-tech output ÷ output (a fraction)
