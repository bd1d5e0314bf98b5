from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jifen.reports"
    label = "reports"
    verbose_name = "报表 / Reports"
    demo_step = "jifen.reports.demo.build"
