import pytest

from intranet.models import ApiToken
from intranet.services import create_api_token
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_requires_authentication(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_returns_roles_of_the_signed_in_person(cast, api_as):
    body = api_as(cast["leader"]).get("/api/v1/me/").json()
    assert body["username"] == "lee.leader"
    assert body["roles"] == ["Leader"]


def test_people_search_matches_title_and_hides_inactive_people(cast, api_as):
    UserFactory(username="gone.nurse", job_title="Chief Nursing Officer", is_active=False)
    body = api_as(cast["staff"]).get("/api/v1/people/", {"q": "chief nursing"}).json()
    assert [p["username"] for p in body["results"]] == ["lee.leader"]


def test_people_filter_by_department_includes_its_subtree(cast, api_as):
    nursing = cast["leader"].department
    body = api_as(cast["staff"]).get("/api/v1/people/", {"department": nursing.pk}).json()
    assert {p["username"] for p in body["results"]} == {
        "lee.leader",
        "sam.staff",
        "casey.colleague",
    }


def test_people_filter_with_wrong_type_is_a_400_with_field_errors(cast, api_as):
    response = api_as(cast["staff"]).get("/api/v1/people/", {"department": "nursing"})
    assert response.status_code == 400
    assert "department" in response.json()["error"]["fields"]


def test_people_list_is_cursor_paginated(cast, api_as):
    for n in range(30):
        UserFactory(username=f"extra{n}")
    client = api_as(cast["staff"])
    first = client.get("/api/v1/people/").json()
    assert len(first["results"]) == 25
    second = client.get(first["next"]).json()
    seen = {p["username"] for p in first["results"]} | {p["username"] for p in second["results"]}
    assert len(seen) == 38


def test_people_list_query_count_does_not_grow_with_people(
    cast, api_as, django_assert_max_num_queries
):
    client = api_as(cast["staff"])
    for n in range(20):
        UserFactory(
            username=f"bulk{n}", manager=cast["leader"], department=cast["leader"].department
        )
    with django_assert_max_num_queries(3):
        client.get("/api/v1/people/")


def test_person_detail_and_unknown_person(cast, api_as):
    client = api_as(cast["staff"])
    body = client.get("/api/v1/people/casey.colleague/").json()
    assert body["department"]["path"] == "Nursing/Cardiac Nursing"
    missing = client.get("/api/v1/people/nobody/")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_departments_are_listed_as_a_tree(cast, api_as):
    DepartmentFactory(name="Pharmacy")
    body = api_as(cast["staff"]).get("/api/v1/departments/").json()
    paths = [d["path"] for d in body]
    assert paths == sorted(paths)
    assert "Nursing/Cardiac Nursing" in paths


def test_token_authenticates_and_revoked_token_is_refused(cast, api):
    token, key = create_api_token(user=cast["staff"], name="script")
    assert ApiToken.objects.get().key_hash != key and key not in ApiToken.objects.get().key_hash
    ok = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert ok.status_code == 200 and ok.json()["username"] == "sam.staff"
    token.revoked_at = token.created_at
    token.save()
    refused = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"


def test_token_of_deactivated_person_is_refused(cast, api):
    _, key = create_api_token(user=cast["staff"], name="script")
    cast["staff"].is_active = False
    cast["staff"].save()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
