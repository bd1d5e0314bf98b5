from django.apps import AppConfig


class RankingsConfig(AppConfig):
    name = "jifen.rankings"
    label = "rankings"
    verbose_name = "排名与奖励 / Rankings and rewards"
    demo_step = "jifen.rankings.demo.build"
    tick_tasks = [
        "jifen.rankings.reward_tick.fixed_points_due",
        "jifen.rankings.reward_tick.year_start_due",
        # After the postings above, so a month-end run is ranked in the same tick.
        "jifen.rankings.boards.boards_due",
    ]
    importers = {"attendance": "jifen.rankings.attendance_excel.import_attendance_command"}
    exporters = {
        "rewards": "jifen.rankings.rewards_excel.export_rewards_command",
        "dividends": "jifen.rankings.rewards_excel.export_dividends_command",
        "party-evaluation": "jifen.rankings.rewards_excel.export_party_evaluation_command",
        "zero-or-negative": "jifen.rankings.rewards_excel.export_zero_or_negative_command",
    }
