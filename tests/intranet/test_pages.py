import pytest

from intranet.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, cast, password):
    client.login(username="sam.staff", password=password)
    return client


def test_pages_require_sign_in(client, cast):
    for url in ["/", "/people/", "/people/sam.staff/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")


def test_directory_searches_by_name_title_department_and_site(signed_in, cast):
    assert b"Lee Leader" in signed_in.get("/people/", {"q": "chief"}).content
    assert b"Lee Leader" not in signed_in.get("/people/", {"q": "contractor"}).content
    cardiac = cast["staff"].department
    page = signed_in.get("/people/", {"department": cardiac.pk}).content.decode()
    assert "Sam Staff" in page and "Casey Colleague" in page and "Lee Leader" not in page
    by_site = signed_in.get("/people/", {"site": cast["staff"].site_id}).content.decode()
    assert "Olly Outsider" not in by_site and "Sam Staff" in by_site


def test_directory_query_count_does_not_grow_with_people(
    signed_in, cast, django_assert_max_num_queries
):
    for n in range(40):
        UserFactory(username=f"n{n}", department=cast["staff"].department, site=cast["staff"].site)
    with django_assert_max_num_queries(8):
        response = signed_in.get("/people/")
    assert response.context["page"].paginator.count == 48


def test_profile_shows_manager_and_direct_reports(signed_in, cast, django_assert_max_num_queries):
    cast["staff"].manager = cast["leader"]
    cast["staff"].save()
    cast["colleague"].manager = cast["leader"]
    cast["colleague"].save()
    with django_assert_max_num_queries(10):
        page = signed_in.get("/people/lee.leader/").content.decode()
    assert "Direct reports" in page and "Sam Staff" in page and "Casey Colleague" in page
    staff_page = signed_in.get("/people/sam.staff/").content.decode()
    assert 'href="/people/lee.leader/"' in staff_page


def test_unknown_profile_is_404(signed_in):
    assert signed_in.get("/people/nobody/").status_code == 404


def test_token_is_shown_once_then_only_its_prefix(signed_in, cast):
    response = signed_in.post("/account/tokens/", {"name": "Rota export"}, follow=True)
    key = response.context["new_token"]["key"]
    assert key in response.content.decode()
    again = signed_in.get("/people/sam.staff/").content.decode()
    assert key not in again and key[:8] in again
    token = ApiToken.objects.get()
    assert token.key_hash != key and token.user == cast["staff"]


def test_tokens_section_is_only_on_your_own_profile(signed_in):
    assert b"API tokens" not in signed_in.get("/people/lee.leader/").content
    assert b"API tokens" in signed_in.get("/people/sam.staff/").content


def test_nobody_can_revoke_someone_elses_token(client, cast, password):
    from intranet.services import create_api_token

    token, _ = create_api_token(user=cast["leader"], name="leader script")
    client.login(username="sam.staff", password=password)
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_owner_revokes_token(signed_in, cast):
    from intranet.services import create_api_token

    token, _ = create_api_token(user=cast["staff"], name="mine")
    signed_in.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_empty_token_name_is_a_message_not_a_500(signed_in):
    response = signed_in.post("/account/tokens/", {"name": ""}, follow=True)
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0
    assert b"This field is required" in response.content


def test_pages_send_a_content_security_policy_without_inline_script(signed_in):
    response = signed_in.get("/people/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert b"<script>" not in response.content


def test_login_page_has_labelled_fields_and_landmarks(client):
    page = client.get("/account/login/").content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page
    assert '<main id="main"' in page and 'class="skip-link"' in page
