from django.db import migrations

from jifen.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [
        append_only("claims_claimevent"),
        append_only("claims_noticeamendment"),
    ]
