"""The message catalogue: every word a page shows exists in Chinese and English.

Fails when code asks for a key the catalogue lacks, when a column, reason, kind,
status or indicator the pages show has no entry, when the two languages' sentences
fill different placeholders, or when a Chinese page still shows English words.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from landplan import maps
from landplan.domain import Bearer, Kind, Priority, Reason, SolveStatus, Status
from landplan.folder import read_folder
from landplan.messages import CATALOGUE, EN, ZH, Words, label, placeholders, say
from landplan.render import static
from landplan.report import build_report
from landplan.sweep import HEADLINES, PAYERS, sweep_html
from landplan.views import unplaced_reasons
from landplan.workbook import sheets
from tests.conftest import ROOT
from tests.words import latin_words

CJK = re.compile(r"[\u4e00-\u9fff]")
CALLS = {"label", "say"}


def _literal_keys() -> list[tuple[str, str]]:
    """Every ``label("...")`` and ``say("...")`` with a literal key in landplan."""
    found = []
    for path in sorted((ROOT / "landplan").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((path.name, node.args[0].value))
    return found


def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key
        # Chinese in the Chinese column, unless the text has no words at all
        words = re.sub(r"\{[^}]*\}", "", zh)  # placeholders are not words
        if re.search(r"[A-Za-z]{3,}", words) and not key.startswith(("value.highs", "value.cbc")):
            assert CJK.search(zh), f"{key}: {zh!r} is not Chinese"
        assert not CJK.search(en.replace("万元", "")), f"{key}: {en!r} is not English"


def test_every_key_the_code_asks_for_exists() -> None:
    keys = _literal_keys()
    assert len(keys) > 40  # the scan sees the code
    missing = [(f, k) for f, k in keys if k not in CATALOGUE]
    assert missing == []


def test_every_key_the_map_page_asks_for_exists() -> None:
    """Every word the page's script looks up, and every row a popup may show, has an
    entry the page is given (a raw key such as land_used_mu never shows)."""
    script = str(static("map.js"))
    names = set(re.findall(r"\bt\.([a-z_]+)", script))
    names |= set(re.findall(r"\bt\['([a-z_.]+)'\]", script))
    rows = script.split("ROWS: {", 1)[1].split("},", 1)[0]
    popup_rows = set(re.findall(r"'([a-z_]+)'", rows))
    names |= popup_rows
    names |= {f"map.kind_{k}" for k in ("parcel", "project", "park", "unplaced")}
    shown = {k for k in CATALOGUE if not maps.sentence(k)}
    assert len(popup_rows) > 20 and "land_used_mu" in popup_rows
    assert names <= shown, names - shown


def test_every_value_shown_in_words_has_an_entry() -> None:
    for kind in Kind:
        assert f"kind.{kind}" in CATALOGUE
    for status in Status:
        assert f"status.{status}" in CATALOGUE
    for solved in SolveStatus:
        assert f"solver.{solved}" in CATALOGUE
    for bearer in Bearer:
        assert f"value.{bearer}" in CATALOGUE
    for priority in Priority:
        assert f"value.{priority}" in CATALOGUE
    for reason in Reason:
        assert f"reason.{reason}" in CATALOGUE
    for column in HEADLINES + tuple(PAYERS):
        assert column in CATALOGUE or f"sweep.{column}" in CATALOGUE


def test_every_column_of_the_outputs_has_a_header(demo_out: Path) -> None:
    """The columns plan.xlsx and the report show, for the demo's folder."""
    folder = read_folder(demo_out)
    for lang in (ZH, EN):
        for name, frame in sheets(folder, lang).items():
            missing = [c for c in frame.columns if c not in CATALOGUE]
            assert missing == [], (name, missing)
    for key, row in folder.summary["plan_targets"].items():
        assert f"kpi.{key}" in CATALOGUE
        assert f"unit.{row['unit']}" in CATALOGUE


def test_say_fills_both_languages_and_nests() -> None:
    inner = say("none.rule.kind", what=say("none.what.land"))
    outer = say("none.locked_not_eligible", parcel="J9", rule=inner)
    assert outer.en == "locked parcel J9 is not eligible: kind: no available land parcel"
    assert outer.zh == "指定地块J9不符合条件：类型：无可用地块"
    assert str(outer) == outer.en and outer.in_(ZH) == outer.zh
    assert say("why.budget", parcel="L1", subsidy=1234.4, left=5.0) == Words(
        "其最优空闲地块L1需区级补贴1,234万元；补贴预算仅剩5万元",
        "its best free parcel L1 needs 1,234 万元 of subsidy; 5 万元 of the budget is left",
    )
    with pytest.raises(KeyError):
        label("no such key", ZH)
    assert label("no such key", ZH, default="x") == "x"


def test_unplaced_reasons_in_either_language() -> None:
    table = pd.DataFrame(
        {
            "project_id": ["P1"],
            "reason": ["budget"],
            "detail": ["needs more"],
            "reason_zh": ["补贴预算不足"],
            "detail_zh": ["需要更多"],
        }
    )
    zh = unplaced_reasons(table, ZH).iloc[0]
    en = unplaced_reasons(table, EN).iloc[0]
    assert (zh["reason"], zh["detail"], zh["reason_code"]) == ("补贴预算不足", "需要更多", "budget")
    assert (en["reason"], en["detail"]) == ("budget", "needs more")


def test_the_chinese_report_has_no_english_words(demo_out: Path) -> None:
    page = build_report(read_folder(demo_out), ZH)
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)
    body = re.sub(r'src="data:[^"]*"', "", body)
    body = re.sub(r"<[^>]+>", " ", body)
    assert latin_words(body) == set()


def test_the_chinese_sweep_page_has_no_english_words() -> None:
    table = pd.DataFrame(
        {
            "point": [0, 1],
            "costshare.shortfall": ["subsidy", "spread"],
            "status": ["optimal", "time_limit"],
            "reason": ["", ""],
            **{c: [1.0, 2.0] for c in (*HEADLINES, *PAYERS, "placed", "gap", "tax_per_mu")},
            "runtime_s": [0.5, 0.6],
        }
    )
    page = sweep_html(table, ["costshare.shortfall"], name="demo", wall_s=1.0, lang=ZH)
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)
    body = re.sub(r'(src|href)="[^"]*"|(src|href)=\'[^\']*\'', "", body)
    body = re.sub(r"<[^>]+>", " ", body)
    assert latin_words(body) == set()
    assert "区级资金补贴" in body and "其他用地分担" in body  # the values in words
    assert "达到时间上限" in body  # the status in words
