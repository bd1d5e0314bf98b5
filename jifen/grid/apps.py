from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "jifen.grid"
    label = "grid"
    verbose_name = "网格化管理 / Grid management"
    tick_tasks = ["jifen.grid.tick.escalate_overdue_issues"]
    demo_step = "jifen.grid.demo.build"
