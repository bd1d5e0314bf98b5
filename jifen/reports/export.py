"""Monthly reports and rollups as .xlsx files (jifen.core.excel), Chinese headers as officials keep them."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from jifen.claims.models import ClaimState
from jifen.core.errors import zh
from jifen.core.excel import Column, write_workbook
from jifen.reports.selectors import Rollup, report_zone

SUMMARY_COLUMNS = (Column("item", "项目", "item", width=28), Column("value", "数值", "value", width=14), Column("note", "说明", "note", width=30))
POINTS_COLUMNS = (
    Column("category", "类别", "category", width=24),
    Column("awarded", "加分", "awarded"),
    Column("deducted", "扣分", "deducted"),
    Column("net", "合计", "net"),
)


def _rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def summary_rows(figures: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(label, value, note) lines of one report (or a rollup's totals), in Chinese."""
    hh, people, party = figures["households"], figures["people"], figures["party_and_cadres"]
    rows: list[tuple[str, Any, str]] = [
        ("参与户数 / 总户数", f"{hh['active']} / {hh['total']}", _rate(hh["active"], hh["total"])),
        ("参与人数 / 总人数", f"{people['active']} / {people['total']}", _rate(people["active"], people["total"])),
        ("党员、干部参与", f"{party['active']} / {party['total']}", _rate(party["active"], party["total"])),
        ("本月申报", figures["claims"]["declared"], "按当前状态"),
    ]
    for state, count in figures["claims"]["by_state"].items():
        if count:
            rows.append((f"　{zh(ClaimState(state).label)}", count, ""))
    redemptions = figures.get("redemptions")
    if redemptions is None:
        rows.append(("积分兑换", "—", "暂无数据（积分超市未启用）"))
    else:
        rows.append(("兑换人数", redemptions.get("people_redeemed", 0), _rate(redemptions.get("people_redeemed", 0), people["total"])))
        rows.append(("兑换户数", redemptions.get("households_redeemed", 0), _rate(redemptions.get("households_redeemed", 0), hh["total"])))
        rows.append(("兑换次数", redemptions.get("redemptions", 0), ""))
        rows.append(("兑换积分", redemptions.get("points", "0"), ""))
    grid = figures.get("grid")
    if grid is None:
        rows.append(("入户走访 / 民情", "—", "暂无数据（网格管理未启用）"))
    else:
        rows.append(("入户走访次数", grid.get("visits", 0), ""))
        rows.append(("走访户数", grid.get("households_visited", 0), _rate(grid.get("households_visited", 0), hh["total"])))
        rows.append(("本月新增民情", grid.get("issues_raised", 0), ""))
        rows.append(("月末未办结民情", grid.get("issues_open", 0), ""))
        rows.append(("其中超期", grid.get("issues_overdue", 0), ""))
    return rows


def points_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(p["category"] or "其他（无积分事项）", p["awarded"], p["deducted"], p["net"]) for p in figures["points"]]


def monthly_report_xlsx(figures: dict[str, Any], destination: Path | str | IO[bytes], *, status: str) -> None:
    org = figures["org"]
    header = [("单位", org["name"], org["path"]), ("月份", figures["month"], ""), ("状态", status, "")]
    write_workbook(
        destination,
        [("月报", SUMMARY_COLUMNS, header + summary_rows(figures)), ("分类积分", POINTS_COLUMNS, points_rows(figures))],
    )


ROLLUP_COLUMNS = (
    Column("village", "村（社区）", "village", width=18),
    Column("status", "上报情况", "status", width=22),
    Column("households_active", "参与户数", "households active"),
    Column("households_total", "总户数", "households"),
    Column("people_active", "参与人数", "people active"),
    Column("people_total", "总人数", "people"),
    Column("party_active", "党员干部参与", "party active"),
    Column("party_total", "党员干部", "party"),
    Column("claims", "申报数", "claims"),
    Column("net", "净积分", "net points"),
)


def net_points_text(figures: dict[str, Any]) -> str:
    from decimal import Decimal

    from jifen.reports.selectors import points_text

    return points_text(sum((Decimal(p["net"]) for p in figures["points"]), Decimal(0)))


def _line(name: str, status: str, f: dict[str, Any]) -> tuple[Any, ...]:
    return (
        name, status, f["households"]["active"], f["households"]["total"], f["people"]["active"], f["people"]["total"],
        f["party_and_cadres"]["active"], f["party_and_cadres"]["total"], f["claims"]["declared"], net_points_text(f),
    )


def rollup_xlsx(rollup: Rollup, destination: Path | str | IO[bytes]) -> None:
    rows: list[tuple[Any, ...]] = []
    for row in rollup.rows:
        if row.submission is None:
            rows.append((row.village.name, "未上报", *([""] * 8)))
        else:
            s = row.submission
            status = f"第{s.revision}次上报 {s.submitted_at.astimezone(report_zone()):%Y-%m-%d} {s.submitted_by_name}"
            rows.append(_line(row.village.name, status, s.figures))
    rows.append(_line("合计（已上报）", f"{len(rollup.submitted)}/{len(rollup.rows)} 村已上报", rollup.totals))
    write_workbook(
        destination,
        [
            (f"{rollup.org.name}{rollup.month:%Y-%m}汇总", ROLLUP_COLUMNS, rows),
            ("分类积分合计", POINTS_COLUMNS, points_rows(rollup.totals)),
        ],
    )
