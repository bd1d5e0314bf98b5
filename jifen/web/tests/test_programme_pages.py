import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.core import clock
from jifen.programme import services
from jifen.programme.models import Application, Criterion, Programme
from jifen.programme.testing import AFTER, apply, programme_setup

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def prog(world):
    return programme_setup(world)


def test_city_admin_sets_up_a_programme_in_yuan(client, prog):
    client.force_login(prog.city_admin)
    response = client.post(reverse("programme_new", args=[prog.city.path]), {
        "code": "sfc-2027", "name": "2027年示范村", "budget_yuan": "500000.00", "awards": "10", "shortlist_limit": "3",
        "opens_on": "2027-07-22", "closes_on": "2027-08-05", "period_start": "2027-01-01", "period_end": "2027-07-21",
    })
    assert response.status_code == 302
    programme = Programme.objects.get(code="sfc-2027")
    assert (programme.budget_fen, programme.awards, programme.award_fen) == (50_000_000, 10, 5_000_000)
    page = client.get(reverse("programme_detail", args=["sfc-2027"])).content.decode()
    assert "500,000.00 元，奖补 10 个村，每村 50,000.00 元" in page


def test_village_cadre_applies_with_a_pdf_and_sees_measured_facts(client, prog):
    now = clock.now()
    programme = Programme.objects.get()
    Programme.objects.filter(pk=programme.pk).update(opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=5))
    client.force_login(prog.village_cadre)
    detail = client.get(reverse("programme_detail", args=[programme.code])).content.decode()
    assert "沙河村申报" in detail
    url = reverse("programme_apply", args=[programme.code, prog.w.shahe.path])
    pdf = SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n", content_type="application/pdf")
    response = client.post(url, {
        "contact_name": "李书记", "contact_phone": "13900001111", "summary": "推行积分制两年", "statement_4": "兑换人数超过三成",
        "key": "apply-key-0001", "attachments": [pdf],
    })
    app = Application.objects.get()
    assert response["Location"] == reverse("programme_application", args=[app.pk])
    page = client.get(response["Location"]).content.decode()
    assert "兑换人数超过三成" in page and "制度.pdf" in page
    assert "积分兑换率</dt><dd>暂无数据" in page
    attachment = app.attachments.get()
    served = client.get(reverse("programme_attachment", args=[app.pk, attachment.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    client.force_login(prog.w.outsider)
    assert client.get(reverse("programme_application", args=[app.pk])).status_code == 404


def test_county_page_refuses_a_fourth_shortlist(client, prog):
    apps = [apply(prog, v) for v in prog.villages[:4]]
    client.force_login(prog.county_admin)
    for app in apps[:3]:
        assert client.post(reverse("programme_shortlist", args=[app.pk]), {"note": "推荐"}).status_code == 302
    response = client.post(reverse("programme_shortlist", args=[apps[3].pk]), {"note": "推荐"})
    assert response.status_code == 422
    assert "最多推荐 3 个村，名额已满" in response.content.decode()
    assert Application.objects.get(pk=apps[3].pk).state == S.SUBMITTED


def test_city_scores_and_publishes_the_ranked_result(client, prog):
    apps = [apply(prog, v) for v in prog.villages[:2]]
    with clock.frozen(AFTER):
        for app in apps:
            services.application_shortlist(actor=prog.county_admin, application=app)
    client.force_login(prog.city_admin)
    criteria = list(Criterion.objects.order_by("number"))
    for app, points in zip(apps, (10, 12), strict=True):
        response = client.post(reverse("programme_score", args=[app.pk]), {f"score_{c.number}": points for c in criteria})
        assert response.status_code == 302
    assert sorted(Application.objects.values_list("score_total", flat=True)) == [60, 72]
    client.post(reverse("programme_publish", args=["sfc-2026"]))
    page = client.get(reverse("programme_detail", args=["sfc-2026"])).content.decode()
    assert "评审结果" in page and page.index("泉水河村") < page.index("沙河村</a>")
    assert set(Application.objects.values_list("state", flat=True)) == {S.SELECTED}
