"""The ``landplan`` command: one clean line per problem and the documented exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from landplan.alternatives import alternatives, overview, write_alternatives
from landplan.compare import compare
from landplan.constants import VERSION
from landplan.domain import Lang, SolverName, SolveStatus
from landplan.errors import InputError, LandplanError, Problem
from landplan.firm_evaluation import evaluate
from landplan.inputs import load_inputs
from landplan.inventory import inventory, tier_table
from landplan.maps import write_map
from landplan.report import write_report
from landplan.run import PostgisTarget, run, write_evaluation
from landplan.scenario import load_scenario
from landplan.sweep import parse_sets, sweep
from landplan.tracking import track

log = logging.getLogger("landplan")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (docs/exit-codes.md).

    0 done, 2 bad input, 3 no feasible plan or the solver failed, 4 the results
    could not be written, 1 anything else (a bug), 130 interrupted.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        result: int = args.func(args)
        return result
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        noun = "problem" if len(exc.problems) == 1 else "problems"
        print(f"landplan: {len(exc.problems)} input {noun}; nothing was written", file=sys.stderr)
        return exc.exit_code
    except LandplanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("landplan: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`landplan compare A B | head`): stop
        # quietly, as Unix tools do; stdout to the null device so exiting flushes nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: say so in one line; -vv shows the traceback
        if args.verbose > 1:
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (rerun with -vv for details)",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="landplan",
        description="Plan industrial land for high-tech projects: load parcel layers, "
        "allocate projects with an integer program, share land cost under the cap.",
    )
    parser.add_argument("--version", action="version", version=f"landplan {VERSION}")
    parser.set_defaults(func=lambda _args: _help(parser), verbose=0, quiet=False)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    # the flags several commands share, each declared once
    talk = argparse.ArgumentParser(add_help=False)
    talk.add_argument("-v", "--verbose", action="count", default=0, help="say more")
    talk.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    scenario = argparse.ArgumentParser(add_help=False, parents=[talk])
    scenario.add_argument("scenario", metavar="SCENARIO", help="the scenario YAML file")
    langs = [x.value for x in Lang]
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=langs, help="pages' language (default: map.lang)")
    solver = argparse.ArgumentParser(add_help=False)
    solver.add_argument("--solver", choices=[x.value for x in SolverName], help="solver.name")
    solver.add_argument("--time-limit", type=float, metavar="S", help="solver time limit, s")
    solver.add_argument("--gap", type=float, metavar="G", help="relative MIP gap, e.g. 0.001")

    def add(name: str, help_text: str, *parents: argparse.ArgumentParser) -> Any:
        return sub.add_parser(name, help=help_text, description=help_text, parents=list(parents))

    validate = add(
        "validate", "read every input, report every problem, print an inventory", scenario
    )
    validate.set_defaults(func=_validate)

    evaluate = add(
        "evaluate",
        "score the firms on land in use per mu (亩均), sort them into tiers A-D, and write "
        "evaluation.csv and evaluation.xlsx",
        scenario,
        lang,
    )
    evaluate.add_argument(
        "--out", metavar="DIR", help="output folder (default out/<name>-evaluation/)"
    )
    evaluate.add_argument(
        "--set", action="append", metavar="KEY=V", help="override a scenario key (repeatable)"
    )
    evaluate.set_defaults(func=_evaluate)

    run = add(
        "run", "allocate projects to parcels and write the output folder", scenario, solver, lang
    )
    run.add_argument("--out", metavar="DIR", help="output folder (default out/<name>/)")
    run.add_argument("--threads", type=int, metavar="N", help="solver threads")
    run.add_argument(
        "--to-postgis",
        metavar="URL",
        help="also write the results to PostGIS, postgresql://user@host:port/db "
        "(password from PGPASSWORD or ~/.pgpass), in one transaction",
    )
    run.add_argument("--schema", default="landplan", help="schema for --to-postgis")
    run.add_argument(
        "--keep-history",
        action="store_true",
        help="with --to-postgis: add this run's rows (keyed by run_id) instead of replacing",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted scenario key, e.g. costshare.method=floor (repeatable)",
    )
    run.add_argument(
        "--export-model",
        metavar="FILE",
        help="also write the model (.lp or .mps, names as in the model)",
    )
    run.add_argument(
        "--importance",
        action="store_true",
        help="also each used parcel's importance: how much the objective falls without it "
        "(one more solve per parcel; importance.csv, a column and a map layer)",
    )
    run.add_argument(
        "--workers", type=int, default=2, metavar="N", help="local processes for --importance"
    )
    run.set_defaults(func=_run)

    sweep = add(
        "sweep", "run the scenario for every combination of --set values", scenario, solver, lang
    )
    sweep.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="a dotted scenario key and its values, e.g. costshare.cap_ratio=0.6,0.7",
    )
    sweep.add_argument("--out", metavar="DIR", help="output folder (default out/<name>-sweep/)")
    sweep.add_argument("--workers", type=int, default=2, metavar="N", help="local processes")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://host:port")
    sweep.set_defaults(func=_sweep)

    alt = add(
        "alternatives",
        "several plans near the optimum that differ, and what they share",
        scenario,
        solver,
        lang,
    )
    alt.add_argument("--count", type=int, default=5, metavar="N", help="at most N plans (5)")
    alt.add_argument(
        "--within",
        type=float,
        default=0.01,
        metavar="SHARE",
        help="each plan within this share of the optimum (0.01 = 1%%)",
    )
    alt.add_argument(
        "--min-diff",
        type=int,
        default=3,
        metavar="K",
        help="each plan leaves out at least K placements of every earlier plan (3)",
    )
    alt.add_argument(
        "--out", metavar="DIR", help="output folder (default out/<name>-alternatives/)"
    )
    alt.set_defaults(func=_alternatives)

    compare = add("compare", "what changed between two output folders", talk)
    compare.add_argument("out_a", metavar="OUT_A")
    compare.add_argument("out_b", metavar="OUT_B")
    compare.set_defaults(func=_compare)

    tracking = sub.add_parser(
        "track",
        help="the battle map of major projects (tracking.html, tracking.csv)",
        description="schedule the stages of a plan's major projects backwards from their "
        "producing targets and mark what is overdue (挂图推进); writes tracking.html and "
        "tracking.csv into OUT_DIR",
        parents=[talk, lang],
    )
    tracking.add_argument("out_dir", metavar="OUT_DIR", help="an output folder of 'landplan run'")
    tracking.add_argument(
        "file", metavar="FILE", help="tracking file (.csv or .xlsx): project_id, stage, ..."
    )
    tracking.add_argument(
        "--as-of",
        type=_day,
        default=date.today(),
        help="the date overdue is counted to (YYYY-MM-DD; default today)",
    )
    tracking.set_defaults(func=_track)

    for name, what in (("map", "map.html"), ("report", "report.html")):
        page = sub.add_parser(
            name,
            help=f"rebuild {what} from an output folder",
            description=f"rebuild {what} from an output folder written by 'landplan run'",
            parents=[talk, lang],
        )
        page.add_argument("out_dir", metavar="OUT_DIR")
        page.set_defaults(func=_page, page=what)
    return parser


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return f"warning: {text}" if record.levelno >= logging.WARNING else f"landplan: {text}"


def _validate(args: argparse.Namespace) -> int:
    inputs = load_inputs(load_scenario(args.scenario))
    evaluation = evaluate(inputs)  # its benchmarks can fail (a median of 0)
    if not args.quiet:
        print(inventory(inputs) + "\n")
        if evaluation is not None:
            print(tier_table(evaluation) + "\n")
    print("no problems found")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    sets = parse_sets(args.set).items() if args.set else ()
    overrides: dict[str, object] = {key: values[-1] for key, values in sets}
    if args.lang:
        overrides["map.lang"] = args.lang
    scenario = load_scenario(args.scenario, overrides=overrides)
    if scenario.firms is None:
        raise InputError(
            [
                Problem(
                    str(scenario.file),
                    "names no table of firms",
                    field="firms",
                    fix="add 'firms: firms.csv' (docs/inputs.md, \"Firms\")",
                )
            ]
        )
    out = Path(args.out) if args.out else Path("out") / f"{scenario.name}-evaluation"
    evaluation = write_evaluation(scenario, out)
    if not args.quiet:
        print(tier_table(evaluation))
    print(f"{len(evaluation.firms)} firms evaluated -> {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {}
    if args.set:
        for key, values in parse_sets(args.set).items():
            if len(values) != 1:
                raise InputError(
                    [
                        Problem(
                            "--set",
                            f"{key} has {len(values)} values; run takes one",
                            fix="use 'landplan sweep' to run several values",
                        )
                    ]
                )
            overrides[key] = values[0]
    overrides |= _solver_overrides(args)
    if args.threads is not None:
        overrides["solver.threads"] = args.threads
    scenario = load_scenario(args.scenario, overrides=overrides)
    out = Path(args.out) if args.out else Path("out") / scenario.name
    export = Path(args.export_model) if args.export_model else None
    target = (
        PostgisTarget(args.to_postgis, args.schema, args.keep_history) if args.to_postgis else None
    )
    result = run(
        scenario,
        out,
        export_model=export,
        to_postgis=target,
        importance=args.importance,
        workers=args.workers,
    )
    alloc = result.allocation
    placed = int((result.outcome["status"] == "placed").sum())
    print(
        f"{alloc.status}: placed {placed} of {len(result.outcome)} projects; "
        f"objective {alloc.objective:,.0f}, bound {alloc.bound:,.0f}, gap {100 * alloc.gap:.4f}%; "
        f"subsidy {result.shares['subsidy'].sum():,.0f} 万元; {result.runtime_s:.1f} s -> {out}"
    )
    if alloc.status != SolveStatus.OPTIMAL:
        print("note: the solver stopped at its time limit; the plan is the best found")
    return 0


def _solver_overrides(args: argparse.Namespace) -> dict[str, object]:
    """``--solver``, ``--time-limit``, ``--gap`` and ``--lang`` as scenario keys, where
    given."""
    given = {
        "solver.name": args.solver,
        "solver.time_limit": args.time_limit,
        "solver.gap": args.gap,
        "map.lang": args.lang,
    }
    return {key: value for key, value in given.items() if value is not None}


def _sweep(args: argparse.Namespace) -> int:
    sets = parse_sets(args.set)
    name = load_scenario(args.scenario).name
    out = Path(args.out) if args.out else Path("out") / f"{name}-sweep"
    fixed = _solver_overrides(args)
    table = sweep(
        Path(args.scenario),
        sets,
        out,
        workers=args.workers,
        scheduler=args.scheduler,
        fixed=fixed,
    )
    failed = int((table["status"] == "failed").sum())
    stopped = int((table["status"] == "time_limit").sum())
    print(
        f"{len(table)} points, {failed} failed, {stopped} stopped at the time limit "
        f"-> {out}/sweep.csv, {out}/sweep.html"
    )
    return 0


def _alternatives(args: argparse.Namespace) -> int:
    overrides = _solver_overrides(args)
    scenario = load_scenario(args.scenario, overrides=overrides)
    out = Path(args.out) if args.out else Path("out") / f"{scenario.name}-alternatives"
    plans = alternatives(scenario, count=args.count, within=args.within, min_diff=args.min_diff)
    write_alternatives(plans, out)
    table = overview(plans)
    worst = float(table["of_best_bound"].min())
    print(
        f"{len(plans)} of {args.count} plans, each leaving out at least {args.min_diff} "
        f"placements of every earlier one; the lowest is {100 * worst:.2f}% of the optimum's "
        f"bound -> {out}/alternatives.csv, {out}/frequency.csv, {out}/plan-1 ..."
    )
    return 0


def _page(args: argparse.Namespace) -> int:
    out = Path(args.out_dir)
    target = out / args.page
    tmp = out / f".{args.page}.tmp-{os.getpid()}"
    build = write_map if args.page == "map.html" else write_report
    try:
        build(out, tmp, args.lang)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {target}")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _track(args: argparse.Namespace) -> int:
    out = Path(args.out_dir)
    board = track(out, Path(args.file), as_of=args.as_of, lang=args.lang)
    projects = board.table["project_id"].nunique()
    overdue = board.overdue
    print(
        f"tracked {projects} projects as of {board.as_of}: {len(overdue)} stages overdue "
        f"({overdue['project_id'].nunique()} projects) -> {out / 'tracking.html'}, "
        f"{out / 'tracking.csv'}"
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    compare(Path(args.out_a), Path(args.out_b))
    return 0
