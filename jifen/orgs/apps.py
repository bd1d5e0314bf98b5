from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jifen.orgs"
    label = "orgs"
    verbose_name = "组织与人员 / Organisation and people"
    demo_step = "jifen.orgs.demo.build"
    importers = {"people": "jifen.orgs.importing.import_people_command"}
    exporters = {"people": "jifen.orgs.importing.export_people_command"}
