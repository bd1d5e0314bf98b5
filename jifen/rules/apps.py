from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "jifen.rules"
    label = "rules"
    verbose_name = "积分方案与细则 / Schemes and catalogs"
