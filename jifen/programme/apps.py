from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "jifen.programme"
    label = "programme"
    verbose_name = "示范村项目 / Demonstration programme"
