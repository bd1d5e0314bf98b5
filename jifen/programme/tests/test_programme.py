import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from jifen.claims.testing import photo
from jifen.core import clock
from jifen.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from jifen.ledger import services as ledger
from jifen.ledger.models import PostingKind
from jifen.ledger.services import Leg
from jifen.programme import services
from jifen.programme.models import Application, ApplicationEvent, Attachment, Criterion, Programme
from jifen.programme.testing import AFTER, apply
from jifen.rules import services as rules

S = Application.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_programme_has_budget_awards_window_limit_and_the_six_conditions(prog):
    p = prog.programme
    assert (p.budget_fen, p.awards, p.shortlist_limit, p.award_fen) == (50_000_000, 2, 3, 25_000_000)
    assert list(Criterion.objects.filter(programme=p).values_list("number", "name", "max_score")) == [
        (1, "基础条件完善", 15), (2, "管理体制健全", 15), (3, "积分设置合理", 20), (4, "群众发动充分", 20),
        (5, "实施效果明显", 15), (6, "积极探索创新", 15),
    ]
    with pytest.raises(InvalidInput):
        services.programme_create(
            actor=prog.city_admin, org=prog.city, code="x-2026", name="x", budget_fen=100, awards=1, shortlist_limit=4,
            opens_at=p.opens_at, closes_at=p.closes_at, period_start=p.period_start, period_end=p.period_end,
        )
    assert Programme.objects.count() == 1


@pytest.mark.django_db
def test_application_stores_measured_facts_beside_the_villages_statements(prog):
    w = prog.w
    scheme = rules.scheme_create(
        actor=None, org=w.shahe, code="shahe-p", name="沙河村积分制", subject_types=["person", "household"],
        period_policy="year_end_clear",
    )
    member = ledger.account_for(scheme=scheme, subject=w.zhangsan.subject)
    issuance = ledger.system_account(scheme=scheme, kind="issuance")
    ledger.transaction_post(
        scheme=scheme, key="p-test-1", source_type="slip", source_id=1, actor=None,
        occurred_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), reason="打扫卫生",
        legs=[Leg(member, 5, PostingKind.AWARD), Leg(issuance, -5, PostingKind.AWARD)],
    )
    # Outside the period: does not count.
    neighbour = ledger.account_for(scheme=scheme, subject=w.wangwu.subject)
    ledger.transaction_post(
        scheme=scheme, key="p-test-2", source_type="slip", source_id=2, actor=None,
        occurred_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC), reason="x",
        legs=[Leg(neighbour, 5, PostingKind.AWARD), Leg(issuance, -5, PostingKind.AWARD)],
    )
    app = apply(prog, w.shahe, attachments=[("超市照片.jpg", photo()), ("制度.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n")])
    facts = app.facts
    # Shahe: people 张三, 李梅, 王五, 陈审核, 刘记录 (5); households SH-001 (张三, 李梅), SH-002 (王五).
    assert (facts["people"], facts["people_active"], facts["participation_people_percent"]) == (5, 1, "20.00")
    assert (facts["households"], facts["households_active"], facts["participation_households_percent"]) == (2, 1, "50.00")
    assert facts["scheme_in_force"] is True and facts["schemes"] == [{"code": "shahe-p", "name": "沙河村积分制"}]
    assert facts["records"] == 1
    assert facts["redemption_percent"] is None  # the market's figure is not available on this branch
    assert app.statements == {"1": "积分超市80平方米"}
    assert sorted(Attachment.objects.filter(application=app).values_list("kind", flat=True)) == ["image", "pdf"]
    assert app.county == w.county


@pytest.mark.django_db
def test_applications_only_in_the_window_once_per_village_by_its_cadres(prog):
    w = prog.w
    with pytest.raises(IllegalTransition):
        apply(prog, w.shahe, at=AFTER)
    with pytest.raises(PermissionDenied):
        apply(prog, w.shahe, actor=w.member)
    with pytest.raises(InvalidInput):
        apply(prog, w.shahe, attachments=[("a.exe", b"MZ\x90\x00binary")])
    apply(prog, w.shahe)
    with pytest.raises(Conflict):
        apply(prog, w.shahe)
    assert Application.objects.count() == 1


@pytest.mark.django_db
def test_county_shortlisting_a_fourth_village_is_refused(prog):
    apps = [apply(prog, v) for v in prog.villages[:4]]
    with clock.frozen(AFTER):
        for app in apps[:3]:
            services.application_shortlist(actor=prog.county_admin, application=app)
        with pytest.raises(Conflict) as refused:
            services.application_shortlist(actor=prog.county_admin, application=apps[3])
    assert refused.value.code == "shortlist_full"
    assert Application.objects.get(pk=apps[3].pk).state == S.SUBMITTED
    assert sorted(Application.objects.filter(state=S.SHORTLISTED).values_list("shortlist_slot", flat=True)) == [1, 2, 3]
    # Declining one frees its place.
    with clock.frozen(AFTER):
        services.application_decline(actor=prog.county_admin, application=apps[0], note="制度不健全")
        services.application_shortlist(actor=prog.county_admin, application=apps[3])
    assert Application.objects.filter(state=S.SHORTLISTED).count() == 3


@pytest.mark.django_db
def test_only_the_countys_admin_shortlists(prog):
    app = apply(prog, prog.w.shahe)
    with clock.frozen(AFTER), pytest.raises(PermissionDenied):
        services.application_shortlist(actor=prog.w.admin, application=app)  # township admin, not county
    assert Application.objects.get(pk=app.pk).state == S.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_concurrent_shortlisting_never_passes_the_limit(prog):
    apps = [apply(prog, v) for v in prog.villages[:5]]
    results: list[str] = []
    barrier = threading.Barrier(len(apps))

    def shortlist(app):
        try:
            barrier.wait()
            with clock.frozen(AFTER):
                services.application_shortlist(actor=prog.county_admin, application=app)
            results.append("ok")
        except Conflict:
            results.append("full")
        except Exception as exc:  # a locked SQLite file reports itself as OperationalError
            results.append(type(exc).__name__)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=shortlist, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3, results
    assert Application.objects.filter(state=S.SHORTLISTED).count() == 3


def _score_all(prog, apps, totals):
    criteria = list(Criterion.objects.filter(programme=prog.programme).order_by("number"))
    for app, total in zip(apps, totals, strict=True):
        scores, left = {}, total
        for c in criteria:
            scores[c.number] = min(c.max_score, left)
            left -= scores[c.number]
        services.application_score(actor=prog.city_admin, application=app, scores=scores)


@pytest.mark.django_db
def test_city_scores_publishes_ranks_and_objections_hold_the_award(prog):
    apps = [apply(prog, v) for v in prog.villages[:3]]
    with clock.frozen(AFTER):
        for app in apps:
            services.application_shortlist(actor=prog.county_admin, application=app)
        with pytest.raises(IllegalTransition):
            services.programme_publish(actor=prog.city_admin, programme=prog.programme)  # not scored yet
        with pytest.raises(InvalidInput):
            services.application_score(actor=prog.city_admin, application=apps[0], scores={1: 16})
        _score_all(prog, apps, [70, 90, 80])
        services.programme_publish(actor=prog.city_admin, programme=prog.programme, objection_days=7)
    got = {a.village.code: (a.rank, a.state, a.score_total) for a in Application.objects.select_related("village")}
    assert got == {"shahe": (3, S.NOT_SELECTED, 70), "quanshui": (1, S.SELECTED, 90), "v3": (2, S.SELECTED, 80)}
    with clock.frozen(AFTER + dt.timedelta(days=1)):
        objection = services.objection_raise(actor=prog.w.member, programme=prog.programme, text="评分不公", application=apps[1])
        with pytest.raises(IllegalTransition):
            services.programme_award(actor=prog.city_admin, programme=prog.programme)  # window still open
    with clock.frozen(AFTER + dt.timedelta(days=8)):
        refusal = services.award_ready_refusal(Programme.objects.get(), now=clock.now())
        assert refusal.code == "objections_open"
        services.objection_resolve(actor=prog.city_admin, objection=objection, upheld=False, resolution="经核实评分无误")
        assert services.award_ready_refusal(Programme.objects.get(), now=clock.now()) is None
    assert list(ApplicationEvent.objects.filter(application=apps[1]).values_list("action", flat=True)) == [
        "submit", "shortlist", "score", "publish",
    ]


@pytest.mark.django_db
def test_an_upheld_objection_withdraws_the_result_for_rescoring(prog):
    apps = [apply(prog, v) for v in prog.villages[:2]]
    with clock.frozen(AFTER):
        for app in apps:
            services.application_shortlist(actor=prog.county_admin, application=app)
        _score_all(prog, apps, [60, 50])
        services.programme_publish(actor=prog.city_admin, programme=prog.programme)
        objection = services.objection_raise(actor=prog.w.member, programme=prog.programme, text="数据有误")
        services.objection_resolve(actor=prog.city_admin, objection=objection, upheld=True, resolution="重新评审")
    assert Programme.objects.get().state == Programme.State.OPEN
    assert set(Application.objects.values_list("state", "rank")) == {(S.SHORTLISTED, None)}
