from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError
from jifen.ledger.selectors import SUBJECT_REFERENCE_HELP, subject_by_reference
from jifen.rankings.boards import board_rebuild, boards_refresh
from jifen.rankings.selectors import board_page, group_averages, own_rank
from jifen.rules.selectors import scheme_by_code

PERIOD_HELP = "2026、2026-01、2026-Q1、2026-W05、2025-2026-1 或 all / a period label or all"


class Command(BaseCommand):
    help = (
        "排行榜：show 显示榜单（可按组织、组别、类别）、rank 个人名次、groups 小组人均、rebuild 重建快照 / "
        "leaderboards: show a board, a subject's rank, group averages, rebuild snapshots"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="show|rank|groups|rebuild")
        show = sub.add_parser("show", help="显示榜单 / print a board")
        rank = sub.add_parser("rank", help="某主体的名次与距上一名的分差 / a subject's rank and points to the next place")
        for p in (show, rank):
            p.add_argument("--scheme", required=True)
            p.add_argument("--period", default="all", help=PERIOD_HELP)
            p.add_argument("--org", help="组织路径，只排该组织及下级 / org path: rank only this subtree")
            p.add_argument("--group", help="leaders、staff 或小组组织路径 / leaders, staff or a group's org path")
            p.add_argument("--category", help="类别编码 / category code")
        show.add_argument("--offset", type=int, default=0)
        show.add_argument("--limit", type=int, default=20)
        rank.add_argument("subject", help=SUBJECT_REFERENCE_HELP)
        groups = sub.add_parser("groups", help="小组人均积分排名 / groups ranked by per-capita average")
        groups.add_argument("--scheme", required=True)
        groups.add_argument("--period", default="all", help=PERIOD_HELP)
        groups.add_argument("--kinds", default="leaders-staff",
                            help="leaders-staff，或组织类型编码逗号分隔（teaching_group,grade_group） / org kind codes")
        rebuild = sub.add_parser("rebuild", help="重建排行榜快照 / rebuild board snapshots")
        rebuild.add_argument("--scheme", required=True)
        rebuild.add_argument("--period", help=PERIOD_HELP + "；不填则重建当前及上一期 / default: current and previous periods")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with acting(RequestContext(channel="cli")):
                getattr(self, "do_" + options["action"])(options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None

    def do_show(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        page = board_page(
            scheme=scheme, period=options["period"], org=options["org"], group=options["group"],
            category=options["category"], offset=options["offset"], limit=options["limit"],
        )
        source = f"快照 {page.built_at:%Y-%m-%d %H:%M} UTC / snapshot" if page.built_at else "实时 / live"
        self.stdout.write(f"{scheme.code} {page.period}: {page.total} 人 / subjects ({source})\n")
        for row in page.rows:
            rank = f"{'并列' if row.tied else ''}{row.rank}"
            self.stdout.write(f"{rank:>8}  {row.score:>10}  {row.name}\n")
        if page.has_next:
            self.stdout.write(f"… --offset {page.offset + len(page.rows)}\n")

    def do_rank(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        subject = subject_by_reference(options["subject"])
        mine = own_rank(
            scheme=scheme, subject=subject, period=options["period"], org=options["org"], group=options["group"],
            category=options["category"],
        )
        if mine is None:
            raise CommandError(f"{subject.name} 不在该榜单上 / {subject.name} is not on this board")
        tie = "并列" if mine.tied else ""
        line = f"{subject.name}: 第 {tie}{mine.rank} 名 / rank {mine.rank}{' (tied)' if mine.tied else ''} of {mine.out_of}, {mine.score} 分"
        if mine.points_to_next is not None:
            line += f"；距第 {mine.next_rank} 名差 {mine.points_to_next} 分 / {mine.points_to_next} to rank {mine.next_rank}"
        self.stdout.write(line + "\n")

    def do_groups(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        kinds = options["kinds"]
        groups = group_averages(scheme=scheme, period=options["period"],
                                groups=kinds if kinds == "leaders-staff" else [k.strip() for k in kinds.split(",") if k.strip()])
        for g in groups:
            rank = "-" if g.rank is None else f"{'并列' if g.tied else ''}{g.rank}"
            self.stdout.write(f"{rank:>6}  {g.average:>10}  {g.members:>4} 人  {g.name}\n")

    def do_rebuild(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        if options["period"]:
            results = [board_rebuild(scheme=scheme, period=options["period"], force=True)]
        else:
            results = boards_refresh(scheme=scheme, min_subjects=0)
        for r in results:
            if r.build is None:
                self.stdout.write(f"{r.board.period}: 无变化 / up to date\n")
            else:
                self.stdout.write(f"{r.board.period}: {r.build.entries} 人 / subjects, {r.build.method}, {r.seconds:.2f} s\n")
