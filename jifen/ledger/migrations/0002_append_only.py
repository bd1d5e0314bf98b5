from django.db import migrations

from jifen.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        append_only("ledger_transaction"),
        append_only("ledger_posting"),
    ]
