"""Fund statements as xlsx for the finance office and auditors (专款专用, accounted to the fen).

`jifen export fund-statement FILE --org PATH [--period 2026|2026-03|2026-Q1]`: a summary sheet
of every fund held in the unit's subtree (opening balance, income, spending, closing balance
for the period), then one sheet per fund with every movement and the balance after it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum

from jifen.core.audit import audit_record
from jifen.core.errors import InvalidInput, NotFound
from jifen.core.excel import Column, write_workbook
from jifen.market.models import Fund, FundMovement
from jifen.market.selectors import fund_statement, funds_of
from jifen.orgs.models import OrgUnit

SUMMARY_COLUMNS = (
    Column("no", "序号", "no.", width=6),
    Column("fund", "资金名称", "fund", width=30),
    Column("org", "所属组织", "org unit", width=16),
    Column("year", "年度", "year", width=8),
    Column("parent", "来源资金", "allocated from", width=24),
    Column("opening", "期初余额（元）", "opening (yuan)", width=14),
    Column("income", "收入（元）", "in (yuan)", width=14),
    Column("spending", "支出（元）", "out (yuan)", width=14),
    Column("closing", "期末余额（元）", "closing (yuan)", width=14),
)

STATEMENT_COLUMNS = (
    Column("no", "序号", "no.", width=6),
    Column("at", "日期时间", "date and time", width=18),
    Column("kind", "类型", "kind", width=10),
    Column("source", "资金来源", "source", width=12),
    Column("reason", "摘要", "description", width=44),
    Column("in", "收入（元）", "in (yuan)", width=12),
    Column("out", "支出（元）", "out (yuan)", width=12),
    Column("balance", "余额（元）", "balance (yuan)", width=14),
    Column("counterpart", "对方资金", "counterpart fund", width=24),
    Column("actor", "经办人", "by", width=12),
    Column("ref", "凭证号", "reference", width=22),
)


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _period(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None, str]:
    """A year (2026), a month (2026-03) or a quarter (2026-Q1) as aware [start, end) in the default zone."""
    text = (text or "").strip()
    if not text:
        return None, None, "全部"
    zone = ZoneInfo(settings.JIFEN_DEFAULT_TIME_ZONE)
    if m := re.fullmatch(r"(\d{4})", text):
        start, end = dt.date(int(m[1]), 1, 1), dt.date(int(m[1]) + 1, 1, 1)
    elif m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise InvalidInput(f"月份无效：{text}", f"bad month {text!r}", code="bad_period")
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
    elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        year, quarter = int(m[1]), int(m[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    else:
        raise InvalidInput(
            f"期间「{text}」无效（应为 2026、2026-03 或 2026-Q1）", f"bad period {text!r} (2026, 2026-03 or 2026-Q1)", code="bad_period"
        )
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
        text,
    )


def period_bounds(text: str | None) -> tuple[dt.datetime | None, dt.datetime | None, str]:
    """A period as the command takes it (empty, 2026, 2026-03, 2026-Q1): aware [start, end) and its label."""
    return _period(text)


def _sheet_title(n: int, name: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", "_", name)
    title = f"{n} {clean}"[:31]
    used.add(title)
    return title


def _reference(movement: FundMovement) -> str:
    stock = getattr(movement, "stock_movement", None)
    if stock is not None:
        return f"入库 #{stock.pk}"
    if movement.reward_line_id:
        return f"奖励名单 #{movement.reward_line.reward_list_id}"
    return f"#{movement.pk}"


def fund_statements_write(
    destination: Path | str | IO[bytes], *, org: OrgUnit, since: dt.datetime | None = None, until: dt.datetime | None = None,
    only: Sequence[Fund] | None = None,
) -> int:
    """Write the summary and one statement sheet per fund of the org's subtree (or of `only`, funds
    of that subtree); returns the number of funds."""
    funds = list(funds_of(org=org))
    if only is not None:
        wanted = {fund.pk for fund in only}
        funds = [fund for fund in funds if fund.pk in wanted]
    zone = ZoneInfo(settings.JIFEN_DEFAULT_TIME_ZONE)
    summary_rows: list[list[Any]] = []
    sheets: list[tuple[str, tuple[Column, ...], list[list[Any]]]] = []
    used: set[str] = set()
    for n, fund in enumerate(funds, 1):
        opening = 0
        if since is not None:
            opening = int(FundMovement.objects.filter(fund=fund, at__lt=since).aggregate(t=Sum("amount_fen"))["t"] or 0)
        lines = fund_statement(fund=fund, since=since, until=until)
        income = sum(ln.amount_fen for ln in lines if ln.amount_fen > 0)
        spending = -sum(ln.amount_fen for ln in lines if ln.amount_fen < 0)
        closing = opening + income - spending
        summary_rows.append(
            [n, fund.name, fund.org.name, fund.year, fund.parent.name if fund.parent else "", yuan(opening), yuan(income),
             yuan(spending), yuan(closing)]
        )
        rows: list[list[Any]] = [[None, None, "期初", "", "期初余额 / opening balance", None, None, yuan(opening), "", "", ""]]
        for i, ln in enumerate(lines, 1):
            rows.append(
                [i, ln.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), ln.kind_zh, ln.source_zh, ln.reason,
                 yuan(ln.amount_fen) if ln.amount_fen > 0 else None, yuan(-ln.amount_fen) if ln.amount_fen < 0 else None,
                 yuan(ln.balance_after_fen), ln.counterpart, ln.actor, _reference(ln.movement)]
            )
        rows.append([None, None, "合计", "", "本期合计 / totals", yuan(income), yuan(spending), yuan(closing), "", "", ""])
        sheets.append((_sheet_title(n, fund.name, used), STATEMENT_COLUMNS, rows))
    # No grand total across funds: an allocation is out of one fund and into another, so it would count twice.
    write_workbook(destination, [("资金汇总", SUMMARY_COLUMNS, summary_rows), *sheets])
    return len(funds)


def fund_statement_export(
    destination: Path | str | IO[bytes], *, actor: Any, org: OrgUnit, fund: Fund | None = None, period: str | None = None
) -> int:
    """The statements of the org's funds (or of one of them) for a period, audited as the command's
    export is; the admin pages' download. Raises InvalidInput on a period that does not parse."""
    since, until, label = _period(period)
    count = fund_statements_write(destination, org=org, since=since, until=until, only=None if fund is None else [fund])
    audit_record(
        actor=actor, action="market.export_fund_statement", obj=fund if fund is not None else org, org_path=org.path,
        summary=f"{fund.name if fund is not None else org.name} {label}: {count} funds", after={"period": label, "funds": count},
    )
    return count


def export_fund_statement_command(*, path: Path, options: dict[str, Any]) -> str:
    path_text = (options.get("org") or "").strip().strip("/")
    if not path_text:
        raise InvalidInput("请用 --org 指定组织路径", "name the org unit with --org", code="missing_option")
    org = OrgUnit.objects.filter(path=path_text).first()
    if org is None:
        raise NotFound(f"找不到组织「{path_text}」", f"no org unit at {path_text!r}", code="org_not_found")
    if not funds_of(org=org).exists():
        raise NotFound(f"「{org.name}」及下级没有资金", f"no fund is held in {org.name!r} or below", code="no_funds")
    since, until, label = _period(options.get("period"))
    count = fund_statements_write(path, org=org, since=since, until=until)
    audit_record(
        actor=None, action="market.export_fund_statement", obj=org, org_path=org.path,
        summary=f"{org.name} {label}: {count} funds → {path}", after={"period": label, "funds": count},
    )
    return f"已导出 {count} 笔资金的收支明细（{label}） / exported the statements of {count} fund(s) to {path}"
