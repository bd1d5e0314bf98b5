"""The pure rule functions, with small hand-computed cases."""

import datetime as dt
from decimal import Decimal

from jifen.rankings import reward_rules as rr


def c(subject_id, name, score, kind="person", barred=None):
    return rr.Candidate(subject_id=subject_id, name=name, score=score, kind=kind, barred_until=barred)


def test_competition_ranks_share_a_place_and_skip_the_next():
    ranked = rr.competition_ranks([c(1, "甲", 50), c(2, "乙", 80), c(3, "丙", 80), c(4, "丁", 10)])
    assert [(rank, cand.name) for rank, cand in ranked] == [(1, "丙"), (1, "乙"), (3, "甲"), (4, "丁")]


def test_rank_table_ties_take_their_places_amount_and_a_veto_moves_the_others_up():
    cands = [c(1, "甲", 300), c(2, "乙", 250), c(3, "丙", 250), c(4, "丁", 200, barred=dt.date(2027, 1, 1)), c(5, "戊", 150), c(6, "己", 90)]
    out = rr.rank_table(cands, amounts_fen=[10000, 8000, 6000, 4000, 2000], group="staff")
    awarded = [(line.name, line.rank, line.amount_fen) for line in out.lines if line.outcome == "awarded"]
    assert awarded == [("甲", 1, 10000), ("丙", 2, 8000), ("乙", 2, 8000), ("戊", 4, 4000), ("己", 5, 2000)]
    assert [(line.name, line.outcome) for line in out.lines if line.outcome == "excluded"] == [("丁", "excluded")]


def test_rank_table_gives_nothing_to_zero_or_negative_scores():
    out = rr.rank_table([c(1, "甲", 0), c(2, "乙", -5)], amounts_fen=[10000])
    assert out.lines == []


def test_threshold_takes_the_highest_tier_reached_exactly_on_the_line_counts():
    tiers = [rr.Tier(1500, 5000, "价值50元的图书"), rr.Tier(3000, 10000, "价值100元图书"), rr.Tier(5000, 30000, "300元图书")]
    cands = [c(i, n, s) for i, (n, s) in enumerate([("甲", 1499), ("乙", 1500), ("丙", 2999), ("丁", 3000), ("戊", 5000), ("己", 7200)], 1)]
    out = rr.threshold(cands, tiers=tiers)
    assert [(line.name, line.amount_fen) for line in out.lines] == [("己", 30000), ("戊", 30000), ("丁", 10000), ("丙", 5000), ("乙", 5000)]


def test_group_average_points_per_full_step_above_the_line():
    kwargs = {"min_units": 1000, "award": 20, "step_units": 100, "step_award": 1}
    assert rr.group_average_points(total=2000, members=2, **kwargs) == 20  # exactly 1000
    assert rr.group_average_points(total=1999, members=2, **kwargs) is None
    assert rr.group_average_points(total=3350, members=3, **kwargs) == 21  # average 1116.67
    assert rr.group_average_points(total=3000, members=2, **kwargs) == 25  # average 1500
    assert rr.group_average_points(total=2398, members=2, **kwargs) == 21  # 1199 is one full step, not two
    assert rr.group_average_points(total=0, members=0, **kwargs) is None  # empty group


def test_top_n_keeps_everyone_tied_at_the_last_place_and_the_minimum():
    scores = [9000, 8000, 7000, 7000, 6500, 6000, 5600, 5500, 5200, 5000, 5000, 4999]
    cands = [c(i, f"师{i:02d}", s) for i, s in enumerate(scores, 1)]
    out = rr.top_n(cands, n=10, min_units=5000, title="十大读书人物")
    assert [line.rank for line in out.lines] == [1, 2, 3, 3, 5, 6, 7, 8, 9, 10, 10]
    assert {line.title for line in out.lines} == {"十大读书人物"}


def test_top_n_with_a_high_minimum_can_name_fewer():
    out = rr.top_n([c(1, "甲", 6000), c(2, "乙", 4000)], n=10, min_units=5000, title="十大读书人物")
    assert [line.name for line in out.lines] == ["甲"]


def test_quota_rounds_up_and_includes_ties_at_the_cut():
    assert rr.quota_size(participants=12, min_share=Decimal("0.10")) == 2
    assert rr.quota_size(participants=10, min_share=Decimal("0.10")) == 1
    assert rr.quota_size(participants=0, min_share=Decimal("0.10")) == 0
    cands = [c(i, f"民{i:02d}", s) for i, s in enumerate([50, 40, 40, 30, 20, 10, 10, 10, 5, 5, 0, 0], 1)]
    out = rr.quota(cands, min_share=Decimal("0.10"), title="表彰")
    assert [(line.name, line.rank) for line in out.lines] == [("民01", 1), ("民02", 2), ("民03", 2)]
    assert out.summary == {"participants": 12, "quota": 2, "honoured": 3}


def test_above_average_is_strict_and_titles_follow_the_subject():
    titles = ["最美家庭", "十星级文明户", "五星党员", "最美村官（网格员、保洁员）"]
    cands = [c(1, "张三", 150), c(2, "李梅", 100), c(3, "王五", 100), c(4, "陈审核", 130), c(5, "刘记录", 90),
             c(11, "张三户", 40, "household"), c(12, "王五户", 20, "household"), c(13, "李四户", 30, "household")]
    out = rr.above_average(cands, titles=titles, party_members=frozenset({4}))
    assert [(line.name, line.title) for line in out.lines] == [
        ("张三户", "最美家庭、十星级文明户"),
        ("张三", "最美村官（网格员、保洁员）"),
        ("陈审核", "五星党员、最美村官（网格员、保洁员）"),
    ]
    assert out.summary["averages"] == {"household": {"participants": 3, "total": 90}, "person": {"participants": 5, "total": 570}}
    # 李四户 has exactly the average (30): not above it.
