from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jifen.api"
    label = "api"
    verbose_name = "接口 / API"
    tick_tasks = ["jifen.api.idempotency.prune_idempotency_records"]
