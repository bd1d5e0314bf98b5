from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "jifen.market"
    label = "market"
    verbose_name = "积分超市与资金 / Supermarket and funds"
    demo_step = "jifen.market.demo.build"
    exporters = {"fund-statement": "jifen.market.excel.export_fund_statement_command"}
