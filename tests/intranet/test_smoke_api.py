import pytest

pytestmark = pytest.mark.django_db


def test_me_requires_authentication(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_returns_roles_of_the_signed_in_person(cast, api_as):
    body = api_as(cast["leader"]).get("/api/v1/me/").json()
    assert body["username"] == "lee.leader"
    assert body["roles"] == ["Leader"]
