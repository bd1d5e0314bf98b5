from django.db import migrations

from jifen.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("rankings", "0001_initial")]

    # Frozen lists: what was posted, published or paid out is never edited afterwards.
    operations = [
        append_only("rankings_pointsrunline"),
        append_only("rankings_rewardline"),
        append_only("rankings_dividendline"),
    ]
