from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "jifen.rules"
    label = "rules"
    verbose_name = "积分方案与细则 / Schemes and catalogs"
    demo_step = "jifen.rules.demo.build"
    importers = {"catalog": "jifen.rules.catalog_excel.import_catalog_command"}
    exporters = {"catalog": "jifen.rules.catalog_excel.export_catalog_command"}
