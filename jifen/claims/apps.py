from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "jifen.claims"
    label = "claims"
    verbose_name = "申报审核公示 / Claims"
