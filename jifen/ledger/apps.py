from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "jifen.ledger"
    label = "ledger"
    verbose_name = "积分账本 / Points ledger"
