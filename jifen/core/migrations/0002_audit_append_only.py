from django.db import migrations

from jifen.core.db import append_only, bytewise_collation


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        bytewise_collation("core_auditevent", "org_path", 500),
        append_only("core_auditevent"),
    ]
