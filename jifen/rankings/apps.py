from django.apps import AppConfig


class RankingsConfig(AppConfig):
    name = "jifen.rankings"
    label = "rankings"
    verbose_name = "排名与奖励 / Rankings and rewards"
