from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "jifen.grid"
    label = "grid"
    verbose_name = "网格化管理 / Grid management"
