from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jifen.web"
    label = "web"
    verbose_name = "网页 / Web pages"
