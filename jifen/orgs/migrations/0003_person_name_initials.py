from django.db import migrations, models

from jifen.core.db import bytewise_collation


def fill_initials(apps, schema_editor):
    from jifen.orgs.pinyin import name_initials

    Person = apps.get_model("orgs", "Person")
    batch = []
    for person in Person.objects.only("pk", "name").iterator(chunk_size=2000):
        person.name_initials = name_initials(person.name)
        batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["name_initials"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["name_initials"])


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0002_paths_and_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_initials",
            field=models.CharField(blank=True, db_index=True, default="", max_length=50),
        ),
        # Bytewise on PostgreSQL, so `name_initials >= 'zs' AND < 'zs{'` is an index range there too.
        bytewise_collation("orgs_person", "name_initials", 50),
        migrations.RunPython(fill_initials, migrations.RunPython.noop, elidable=True),
    ]
