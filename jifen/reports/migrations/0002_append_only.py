from django.db import migrations

from jifen.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [append_only("reports_monthlyreportsubmission")]
