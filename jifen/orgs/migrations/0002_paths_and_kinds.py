from django.db import migrations

from jifen.core.db import bytewise_collation

KINDS = [
    ("province", "省", "province"),
    ("city", "市", "city"),
    ("county", "县（区）", "county / district"),
    ("township", "乡镇（街道）", "township / street office"),
    ("village", "村", "village"),
    ("community", "社区", "community"),
    ("grid", "网格", "grid"),
    ("group", "村民小组", "villager group"),
    ("company", "企业", "company"),
    ("mine", "矿井", "mine"),
    ("department", "部门", "department"),
    ("workshop", "车间", "workshop"),
    ("team", "班组", "team"),
    ("school", "学校", "school"),
    ("teaching_group", "教研组", "teaching group"),
    ("grade_group", "年级组", "grade group"),
    ("party_committee", "党（工）委", "party committee"),
    ("party_branch", "党支部", "party branch"),
    ("office", "办公室", "office"),
    ("other", "其他", "other"),
]


def add_kinds(apps, schema_editor):
    OrgKind = apps.get_model("orgs", "OrgKind")
    for code, name, name_en in KINDS:
        OrgKind.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [
        bytewise_collation("orgs_orgunit", "path", 500),
        migrations.RunPython(add_kinds, migrations.RunPython.noop),
    ]
