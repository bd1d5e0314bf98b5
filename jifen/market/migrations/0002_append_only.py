from django.db import migrations

from jifen.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]

    operations = [
        append_only("market_fundmovement"),
        append_only("market_stockmovement"),
        append_only("market_redemptionline"),
    ]
