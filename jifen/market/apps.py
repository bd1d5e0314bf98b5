from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "jifen.market"
    label = "market"
    verbose_name = "积分超市与资金 / Supermarket and funds"
