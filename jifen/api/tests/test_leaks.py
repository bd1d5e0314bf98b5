"""Walk every operation of /api/v1/openapi.json as someone who must not see the target.

Village B (泉水河村) and a neighbouring household in village A (沙河村) are seeded with canary
personal data. Each caller calls every operation with every id parameter — in the path, the
query and the body — pointing at objects they must not reach. Every such call must answer 403
or 404, change nothing, and no response of any call may contain a canary value.

The harness is generic: a new operation is covered as soon as it is in the OpenAPI document.
One whose parameters it cannot fill fails the test until TARGETS or VALUES below learn them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jifen.api.services import api_token_create
from jifen.api.tests.canaries import seed_claims
from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import Role
from jifen.orgs.testing import make_id_number

# Which kind of object an id parameter names, wherever it appears.
TARGETS = {
    "org_id": "org", "parent_id": "org", "new_parent_id": "org", "village_id": "org",
    "person_id": "person", "head_id": "person", "contact_id": "person",
    "household_id": "household", "unit_id": "unit", "binding_id": "binding",
    "user_id": "user", "token_id": "token", "actor_id": "user",
    "scheme_id": "scheme", "category_id": "category", "item_id": "item", "claim_id": "claim",
    "evidence_id": "evidence", "notice_id": "notice", "objection_id": "objection", "activity_id": "activity",
    "meeting_id": "meeting", "account_id": "account", "subject_id": "subject", "reward_list_id": "reward_list",
    "run_id": "run",
}
# Values for required body fields that are not ids (enums take their first value). A callable
# gets the targets and returns (value, whether it names a target).
NOW = "2026-01-05T10:00:00+08:00"
VALUES = {
    "name": "越界探测", "code": "probe", "kind": "grid", "number": "PROBE-1", "relation": "子",
    "occurred_at": NOW, "held_at": NOW, "held_on": "2026-01-05", "effective_from": "2026-01-05", "on": "2026-01-05",
    "description": "越界探测", "place": "越界探测", "reason": "越界探测", "title": "越界探测", "direction": "award",
    "template": "p2-district-villages",
    "evidence_ids": lambda t: ([t.objects["evidence"]], True),
    "subject_ids": lambda t: ([t.objects["subject"]], True),
    "decisions": lambda t: ([{"claim_id": t.objects["claim"], "outcome": "approve"}], True),
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


@dataclass
class Targets:
    objects: dict[str, int]
    canaries: list[str] = field(default_factory=list)


def seed_village_b(world) -> Targets:
    person = services.person_create(
        actor=None, org=world.quanshui_grid1, name="金丝雀乙", id_number=make_id_number("110101", "19770707", 71, True),
        mobile="13377777771", address="泉水河金丝雀路1号",
    )
    household = services.household_create(
        actor=None, village=world.quanshui, org=world.quanshui_grid1, number="QS-CANARY", head=person, address="金丝雀户地址乙"
    )
    unit = services.unit_create(actor=None, org=world.quanshui, name="金丝雀商店乙", phone="13377777772", contact=person)
    user = services.user_create(actor=None, username="canary_b", person=person)
    binding = services.role_binding_grant(actor=None, user=user, org=world.quanshui, role=Role.ORG_ADMIN, points_limit=10)
    token, _ = api_token_create(actor=user, user=user, name="金丝雀令牌乙")
    claim_objects, claim_canaries = seed_claims(world, org=world.quanshui, person=person, user=user, tag="乙", mobile="13377777773")
    return Targets(
        objects={"org": world.quanshui.pk, "person": person.pk, "household": household.pk, "unit": unit.pk,
                 "binding": binding.pk, "user": user.pk, "token": token.pk, **claim_objects},
        canaries=["金丝雀乙", person.id_number, "13377777771", "13377777772", "QS-CANARY", "金丝雀户地址乙",
                  "泉水河金丝雀路1号", "金丝雀商店乙", "金丝雀令牌乙", "canary_b", token.prefix, *claim_canaries],
    )


def seed_neighbour_household(world) -> Targets:
    """Another household in the member's own village and grid."""
    person = services.person_create(
        actor=None, org=world.shahe_grid1, name="金丝雀甲", id_number=make_id_number("110101", "19660606", 61, False),
        mobile="13366666661", address="沙河金丝雀巷2号",
    )
    household = services.household_create(
        actor=None, village=world.shahe, org=world.shahe_grid1, number="SH-CANARY", head=person, address="金丝雀户地址甲"
    )
    unit = services.unit_create(actor=None, org=world.shahe_grid1, name="金丝雀商店甲", phone="13366666662", contact=person)
    user = services.user_create(actor=None, username="canary_a", person=person)
    binding = services.role_binding_grant(actor=None, user=user, org=world.shahe, role=Role.MEMBER)
    token, _ = api_token_create(actor=user, user=user, name="金丝雀令牌甲")
    claim_objects, claim_canaries = seed_claims(world, org=world.shahe, person=person, user=user, tag="甲", mobile="13366666663")
    # The member may see their own village's scheme, catalog and notice board: those targets
    # are village B's (see the member's test).
    for shared in ("scheme", "category", "item", "notice"):
        claim_objects.pop(shared)
    return Targets(
        objects={"person": person.pk, "household": household.pk, "unit": unit.pk, "binding": binding.pk,
                 "user": user.pk, "token": token.pk, **claim_objects},
        canaries=["金丝雀甲", person.id_number, "13366666661", "13366666662", "SH-CANARY", "金丝雀户地址甲",
                  "沙河金丝雀巷2号", "金丝雀商店甲", "金丝雀令牌甲", "canary_a", token.prefix, *claim_canaries],
    )


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def enum_of(node):
    if "enum" in node:
        return node["enum"]
    for option in node.get("anyOf", []):
        if "enum" in option:
            return option["enum"]
    return None


class CannotFill(Exception):
    pass


def build_request(schema, method, path, operation, targets: Targets, *, query_refs=None):
    """(url, query, body, refs_used) for one call; raises CannotFill for unknown parameters.

    Path and body ids always point at the targets; query ids only those named in `query_refs`
    (None: all of them).
    """
    refs = 0
    url = path
    query = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        kind = TARGETS.get(name)
        if where == "path":
            if kind is None:
                raise CannotFill(f"{method} {path}: path parameter {name!r} is not in TARGETS")
            url = url.replace("{" + name + "}", str(targets.objects[kind]))
            refs += 1
        elif where == "query":
            if kind is not None and kind in targets.objects and (query_refs is None or name in query_refs):
                query[name] = targets.objects[kind]
                refs += 1
            elif parameter.get("required"):
                raise CannotFill(f"{method} {path}: required query parameter {name!r} is unknown")
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return url, query, MULTIPART, refs
    if "application/json" in content:
        node = resolve(schema, content["application/json"]["schema"])
        body = {}
        for name, prop in node.get("properties", {}).items():
            kind = TARGETS.get(name)
            if kind is not None and kind in targets.objects:
                body[name] = targets.objects[kind]
                refs += 1
            elif name in node.get("required", []):
                choices = enum_of(prop)
                if choices:
                    body[name] = choices[0]
                elif callable(VALUES.get(name)):
                    if not all(k in targets.objects for k in ("evidence", "subject", "claim")):
                        raise CannotFill(f"{method} {path}: {name!r} needs seeded claims")
                    body[name], names_target = VALUES[name](targets)
                    refs += names_target
                elif name in VALUES:
                    body[name] = VALUES[name]
                else:
                    raise CannotFill(f"{method} {path}: required body field {name!r} is not in VALUES")
    return url, query, body, refs


MULTIPART = object()  # an upload: one small PNG as the `file` field


def call(client, method, url, query, body):
    extra = {}
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        extra["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
    if method == "GET":
        return client.get(url, query, **extra)
    if body is MULTIPART:
        return client.post(url, {"file": SimpleUploadedFile("probe.png", PNG, "image/png")}, **extra)
    return client.generic(method, url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                          json.dumps(body or {}), content_type="application/json", **extra)


def walk(caller, targets: Targets, *, anonymous=False):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if not anonymous:
        _, secret = api_token_create(actor=caller, user=caller, name="probe")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    schema = Client().get("/api/v1/openapi.json").json()
    problems, walked, visited = [], 0, set()
    for method, path, operation in operations(schema):
        parameters = operation.get("parameters", [])
        if any(p["in"] == "path" for p in parameters):
            variants = [None]
        else:
            # The unfiltered call (a list must not leak either), then each id filter on its own.
            variants = [()] + [(p["name"],) for p in parameters if p["in"] == "query" and p["name"] in TARGETS]
        for query_refs in variants:
            try:
                url, query, body, refs = build_request(schema, method, path, operation, targets, query_refs=query_refs)
            except CannotFill as exc:
                problems.append(str(exc))
                continue
            audit_rows = AuditEvent.objects.count()
            response = call(client, method, url, query, body)
            walked += 1
            visited.add((method, path))
            is_json = response.get("Content-Type", "").startswith("application/json")
            content = b"".join(response.streaming_content) if response.streaming else response.content
            text = json.dumps(json.loads(content), ensure_ascii=False) if content and is_json else content.decode("latin-1")
            where = f"{method} {url} {query or ''} {body or ''} → {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"server error: {where}")
            leaked = [c for c in targets.canaries if c in text]
            if leaked:
                problems.append(f"leaked {leaked}: {where}")
            if anonymous and operation.get("security") and response.status_code != 401:
                problems.append(f"not 401 without credentials: {where}")
            only_filters = method == "GET" and not body and url == path
            data = json.loads(content) if content and is_json else None
            empty_page = response.status_code == 200 and only_filters and isinstance(data, dict) and data.get("total") == 0
            public = not operation.get("security")  # anyone may call it: only the canary check applies
            if refs and not public and response.status_code not in (403, 404) and not empty_page and not anonymous:
                problems.append(f"reached a forbidden object: {where}")
            if refs and not public and AuditEvent.objects.count() != audit_rows:
                problems.append(f"wrote something: {where}")
    missing = sorted(set((m, p) for m, p, _ in operations(schema)) - visited)
    if missing:
        problems.append(f"operations not walked: {missing}")
    return walked, problems


@pytest.fixture
def village_b(world):
    return seed_village_b(world)


@pytest.fixture
def neighbour(world):
    return seed_neighbour_household(world)


def village_a_staff(world, role):
    user = services.user_create(actor=None, username=f"shahe_{role}")
    services.role_binding_grant(actor=None, user=user, org=world.shahe, role=role, points_limit=100)
    return user


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.REVIEWER, Role.RECORDER, Role.SHOPKEEPER])
def test_village_a_staff_reach_nothing_of_village_b(world, village_b, role):
    walked, problems = walk(village_a_staff(world, role), village_b)
    assert problems == []
    assert walked >= 30


def test_a_member_reaches_nothing_of_another_household(world, village_b, neighbour):
    # Household objects point at the neighbour in the member's own grid; org ids at village B.
    shared = {k: village_b.objects[k] for k in ("org", "scheme", "category", "item", "notice")}
    targets = Targets(objects={**neighbour.objects, **shared},
                      canaries=neighbour.canaries + village_b.canaries)
    walked, problems = walk(world.member, targets)
    assert problems == []
    assert walked >= 30


def test_without_credentials_nothing_answers_but_401(world, village_b, neighbour):
    targets = Targets(objects=village_b.objects, canaries=village_b.canaries + neighbour.canaries)
    walked, problems = walk(None, targets, anonymous=True)
    assert problems == []
    assert walked >= 30


def test_the_harness_refuses_an_operation_it_cannot_fill():
    schema = {"paths": {}, "components": {"schemas": {}}}
    operation = {"parameters": [{"name": "widget_id", "in": "path", "required": True}]}
    with pytest.raises(CannotFill, match="widget_id"):
        build_request(schema, "GET", "/api/v1/widgets/{widget_id}", operation, Targets(objects={}))
    operation = {"requestBody": {"content": {"application/json": {"schema": {"properties": {"amount": {}}, "required": ["amount"]}}}}}
    with pytest.raises(CannotFill, match="amount"):
        build_request(schema, "POST", "/api/v1/claims", operation, Targets(objects={}))


def test_the_harness_catches_a_leak(world, village_b, monkeypatch):
    """If a list forgot its scope, the walk must say so."""
    from jifen.api.routers import orgs as orgs_router
    from jifen.orgs.models import Person

    monkeypatch.setattr(orgs_router, "people_visible_to", lambda access: Person.objects.select_related("org"))
    _, problems = walk(village_a_staff(world, Role.REVIEWER), village_b)
    assert any(p.startswith("leaked") and "/api/v1/people" in p for p in problems)
    assert any(p.startswith("reached a forbidden object") and "/api/v1/people/" in p for p in problems)


def test_the_seeded_objects_are_there_for_their_own_staff(world, village_b):
    """The walk's 404s mean something only if the same calls reach the objects for someone
    entitled: village B's own admin gets 200 from every GET that names a seeded object."""
    from jifen.orgs.models import User

    staff = User.objects.get(username="staff_b")
    _, secret = api_token_create(actor=staff, user=staff, name="owner")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    schema = Client().get("/api/v1/openapi.json").json()
    reached, refused = [], []
    for method, path, operation in operations(schema):
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        if method != "GET" or not names:
            continue
        url, _, _, _ = build_request(schema, method, path, operation, village_b)
        status = client.get(url).status_code
        (reached if status == 200 else refused).append(f"{path} → {status}")
    # Tokens, users and role bindings of another user are an admin's business only through
    # their own endpoints; everything else must answer.
    assert [r for r in refused if not r.startswith(("/api/v1/tokens", "/api/v1/users"))] == []
    assert len(reached) >= 20


# --- grid management and the demonstration-village programme (appended by the grid helper) -----
# Canary grid posts, visits and issues, and a programme run by village B itself (so nobody in
# village A sees it) with an application and an objection, added to both seeds.

TARGETS.update({
    "grid_post_id": "grid_post", "visit_id": "visit", "issue_id": "issue", "assignee_id": "person",
    "programme_id": "programme", "application_id": "application", "programme_objection_id": "programme_objection",
    "county_id": "org",
})
for _name, _value in {
    "visited_on": "2026-01-05", "title": "越界探测", "action_taken": "越界探测", "rating": 5, "text": "越界探测",
    "resolution": "越界探测", "upheld": False, "deadline": "2026-01-20T10:00:00+08:00", "contact_name": "越界探测",
    "contact_phone": "13000000000", "summary": "越界探测", "note": "越界探测", "scores": {"1": 1}, "budget_fen": 100,
    "awards": 1, "opens_at": "2026-01-01T00:00:00+08:00", "closes_at": "2026-02-01T00:00:00+08:00",
    "period_start": "2025-01-01T00:00:00+08:00", "period_end": "2026-01-01T00:00:00+08:00",
}.items():
    VALUES.setdefault(_name, _value)


def _seed_grid_and_programme(world, targets: Targets, tag: str) -> Targets:
    import datetime as dt

    from jifen.core import clock
    from jifen.grid import services as grid
    from jifen.orgs.models import Household, Person
    from jifen.programme import services as programme

    boss = services.user_create(actor=None, username=f"seed_{tag}")
    services.role_binding_grant(actor=None, user=boss, org=world.county, role=Role.PLATFORM_ADMIN)
    household = Household.objects.select_related("org").get(pk=targets.objects["household"])
    person = Person.objects.get(pk=targets.objects["person"])
    # Posts are public contact details within their village, so the canary post is always in village B.
    post = grid.grid_post_assign(
        actor=boss, grid=world.quanshui_grid1, person=person if tag == "乙" else world.zhaoliu, post="worker",
        duties=f"金丝雀职责{tag}",
    )
    if household.org_id == post.grid_id:
        grid.household_link_set(actor=boss, household=household, worker=post)
    visit = grid.visit_record(actor=boss, household=household, visited_on=grid.local_today(), visitor=person, notes=f"金丝雀走访{tag}")
    issue = grid.issue_report(actor=boss, kind="need", title=f"金丝雀民情{tag}", household=household)
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with clock.frozen(at):
        run = programme.programme_create(
            actor=boss, org=world.quanshui, code=f"canary-{tag}", name=f"金丝雀项目{tag}", budget_fen=100, awards=1,
            opens_at=at - dt.timedelta(days=1), closes_at=at + dt.timedelta(days=1),
            period_start=at - dt.timedelta(days=30), period_end=at,
        )
        app = programme.application_submit(
            actor=boss, programme=run, village=world.quanshui, contact_name="金丝雀", contact_phone="13300000000",
            summary=f"金丝雀申报{tag}",
        )
    with clock.frozen(at + dt.timedelta(days=2)):
        programme.application_shortlist(actor=boss, application=app)
        programme.application_score(actor=boss, application=app, scores={c.number: 1 for c in run.criteria.all()})
        programme.programme_publish(actor=boss, programme=run)
        objection = programme.objection_raise(actor=boss, programme=run, text=f"金丝雀异议{tag}")
    targets.objects.update({
        "grid_post": post.pk, "visit": visit.pk, "issue": issue.pk, "programme": run.pk, "application": app.pk,
        "programme_objection": objection.pk,
    })
    targets.canaries += [f"金丝雀职责{tag}", f"金丝雀走访{tag}", f"金丝雀民情{tag}", f"金丝雀项目{tag}", f"金丝雀申报{tag}",
                         f"金丝雀异议{tag}"]
    return targets


_seed_village_b_orgs, _seed_neighbour_orgs = seed_village_b, seed_neighbour_household


def seed_village_b(world) -> Targets:  # noqa: F811 (extends the seed above)
    return _seed_grid_and_programme(world, _seed_village_b_orgs(world), "乙")


def seed_neighbour_household(world) -> Targets:  # noqa: F811
    return _seed_grid_and_programme(world, _seed_neighbour_orgs(world), "甲")
