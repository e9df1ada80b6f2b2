"""The output folder, written whole or not at all (docs/outputs.md).

Everything is written into a hidden sibling folder first; only when every file is
complete does it replace the target. A run that fails or is interrupted leaves
the earlier folder as it was. Hidden folders that runs killed outright left
behind are removed by the next write to the same place.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from landplan.csvfiles import write_csv
from landplan.errors import OutputError
from landplan.maps import write_map
from landplan.qgis import write_styles
from landplan.report import write_report
from landplan.results import (
    RunResult,
    allocation_table,
    constraint_layer,
    costshare_by_park,
    evaluation_table,
    parcel_layer,
    phasing_table,
    renewal_table,
    resolved,
    summary,
    supply_plan,
    swaps_table,
)
from landplan.workbook import write_evaluation_book, write_workbook

log = logging.getLogger(__name__)

Writers = dict[str, Callable[[Path], object]]


def write_folder(
    out_dir: Path,
    writers: Writers,
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Write ``writers`` (file name -> writer) into ``out_dir`` atomically.

    ``before_commit`` (e.g. the PostGIS transaction) runs once every file is
    written and before the folder is put in place; if it fails, nothing is.

    Raises
    ------
    OutputError
        When a file cannot be written (a full disk, no permission); the earlier
        folder, if any, is left as it was.
    """
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir.parent}: {exc.strerror}") from None
    remove_stale(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        for name, writer in writers.items():
            writer(tmp / name)
        if before_commit is not None:
            before_commit()
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except OSError as exc:
        _roll_back(tmp, old, out_dir)
        where = exc.filename or out_dir
        raise OutputError(
            f"cannot write {where}: {exc.strerror or exc}; nothing was changed in {out_dir}"
        ) from None
    except BaseException:
        _roll_back(tmp, old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    log.info("wrote %s", out_dir)


def _roll_back(tmp: Path, old: Path, out_dir: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)
    if old.exists() and not out_dir.exists():
        old.rename(out_dir)


def remove_stale(out_dir: Path) -> None:
    """Remove ``.NAME.tmp-PID`` / ``.NAME.old-PID`` folders whose process is gone.

    A run killed outright (SIGKILL, power cut) cannot clean up after itself; its
    hidden folder is removed here. A ``.old`` folder of a dead run is the earlier
    output: it is put back when the target itself is missing.
    """
    pattern = re.compile(rf"^\.{re.escape(out_dir.name)}\.(tmp|old)-(\d+)$")
    if not out_dir.parent.is_dir():
        return
    for path in out_dir.parent.iterdir():
        found = pattern.match(path.name)
        if not found or _alive(int(found.group(2))):
            continue
        if found.group(1) == "old" and not out_dir.exists():
            path.rename(out_dir)
            log.warning("restored %s from an interrupted run", out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)
            log.info("removed %s, left by a run that no longer exists", path.name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def writers(result: RunResult) -> Writers:
    """The output folder's files, in the order they are written."""
    csv = _csv_writer(result.inputs.scenario.output.csv_encoding)
    files: Writers = {
        "allocation.csv": csv(allocation_table(result)),
        "costshare.csv": csv(result.shares, "%.4f"),
        "costshare_by_park.csv": csv(costshare_by_park(result), "%.4f"),
        "allocation.gpkg": lambda p: write_gpkg(result, p),
        "summary.json": lambda p: p.write_text(
            json.dumps(summary(result), ensure_ascii=False, indent=2), encoding="utf-8"
        ),
        "scenario.resolved.yaml": lambda p: p.write_text(
            yaml.safe_dump(resolved(result), allow_unicode=True, sort_keys=False), encoding="utf-8"
        ),
        **evaluation_writers(result),
        **consolidation_writers(result),
        **phasing_writers(result),
        # built from the files above, as 'landplan map/report OUT_DIR' rebuild them
        "map.html": lambda p: write_map(p.parent, p),
        "report.html": lambda p: write_report(p.parent, p),
        "plan.xlsx": lambda p: write_workbook(p.parent, p),
    }
    if result.importance is not None:
        files["importance.csv"] = csv(result.importance)
    return files


def _csv_writer(encoding: str) -> Callable[..., Callable[[Path], object]]:
    """A writer factory: ``csv(frame, float_format)`` writes ``frame`` in ``encoding``."""

    def csv(frame: pd.DataFrame, float_format: str | None = None) -> Callable[[Path], object]:
        return lambda p: write_csv(frame, p, encoding=encoding, float_format=float_format)

    return csv


def phasing_writers(result: RunResult) -> Writers:
    """``supply_plan.csv`` and ``supply_by_year.csv`` under ``phasing``."""
    plan = supply_plan(result)
    if plan is None:
        return {}
    by_year = phasing_table(result, plan)
    assert by_year is not None
    csv = _csv_writer(result.inputs.scenario.output.csv_encoding)
    return {"supply_plan.csv": csv(plan), "supply_by_year.csv": csv(by_year)}


def consolidation_writers(result: RunResult) -> Writers:
    """``swaps.csv`` under ``consolidation.swap``."""
    swaps = swaps_table(result)
    if swaps is None:
        return {}
    return {"swaps.csv": _csv_writer(result.inputs.scenario.output.csv_encoding)(swaps)}


def evaluation_writers(result: RunResult) -> Writers:
    """``evaluation.csv`` and ``evaluation.xlsx`` when the scenario evaluates firms."""
    firms = evaluation_table(result)
    evaluation = result.priced.evaluation
    if firms is None or evaluation is None:
        return {}
    recovered = renewal_table(result) if evaluation.renewal is not None else None
    scenario = result.inputs.scenario
    return evaluation_files(
        firms,
        evaluation.benchmarks,
        recovered=recovered,
        lang=scenario.map.lang,
        encoding=scenario.output.csv_encoding,
    )


def evaluation_files(
    firms: pd.DataFrame,
    benchmarks: dict[str, float],
    *,
    recovered: pd.DataFrame | None,
    lang: str,
    encoding: str,
) -> Writers:
    """``evaluation.csv`` and ``evaluation.xlsx`` of evaluated firms (and what renewal
    recovered), for ``run`` and for ``landplan evaluate``."""
    return {
        "evaluation.csv": _csv_writer(encoding)(firms, "%.6g"),
        "evaluation.xlsx": lambda p: write_evaluation_book(
            firms, benchmarks, p, recovered=recovered, lang=lang
        ),
    }


def write_gpkg(result: RunResult, path: Path) -> None:
    """``allocation.gpkg``: layer ``parcels`` (styled for QGIS) and ``constraints``."""
    parcels = parcel_layer(result)
    # GeoPackage 1.2: what the GDAL of desktop QGIS and Debian's gdal-bin read fully
    parcels.to_file(
        path, layer="parcels", driver="GPKG", engine="pyogrio", dataset_options={"VERSION": "1.2"}
    )
    sectors = sorted(set(result.inputs.tables.projects["sector"].astype(str)))
    write_styles(path, sectors, [c for c in parcels.columns if c != "geometry"])
    constraints = constraint_layer(result)
    if constraints is not None:
        constraints.to_file(path, layer="constraints", driver="GPKG", engine="pyogrio")
