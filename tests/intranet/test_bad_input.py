"""Bad input gets a clear 400 with field errors, never a 500."""

import pytest
from django.test import override_settings
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from intranet.api_base import StrictJSONParser

pytestmark = pytest.mark.django_db


class EchoIn(serializers.Serializer):
    name = serializers.CharField(max_length=10)
    count = serializers.IntegerField()


@api_view(["POST"])
def echo(request):
    data = EchoIn(data=request.data)
    data.is_valid(raise_exception=True)
    return Response(data.validated_data)


urlpatterns = [__import__("django.urls").urls.path("echo/", echo)]


@pytest.fixture
def client_(cast, api_as):
    with override_settings(ROOT_URLCONF=__name__):
        yield api_as(cast["staff"])


def post(client, body: bytes):
    return client.generic("POST", "/echo/", body, content_type="application/json")


def test_malformed_json_is_a_400(client_):
    response = post(client_, b'{"name": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_wrong_types_and_over_long_fields_name_each_field(client_):
    response = post(client_, b'{"name": "abcdefghijklmnop", "count": "many"}')
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "count"}


def test_nul_bytes_are_refused(client_):
    response = post(client_, b'{"name": "a\\u0000b", "count": 1}')
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["fields"]["name"][0]


def test_lone_surrogates_are_refused(client_):
    response = post(client_, b'{"name": "a\\ud800", "count": 1}')
    assert response.status_code == 400
    assert "surrogate" in response.json()["error"]["fields"]["name"][0]


def test_nested_bad_text_is_located(client_):
    response = post(client_, b'{"name": "ok", "count": 1, "blocks": [{"text": "\\u0000"}]}')
    assert response.status_code == 400
    assert "blocks[0].text" in response.json()["error"]["fields"]


def test_strict_parser_is_the_default_for_the_api():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] == [
        f"{StrictJSONParser.__module__}.{StrictJSONParser.__name__}"
    ]


def test_directory_search_with_nul_byte_is_a_form_error_not_a_500(cast, client, password):
    client.login(username="sam.staff", password=password)
    response = client.get("/people/", {"q": "nurse\x00"})
    assert response.status_code == 200
    assert b"Null characters are not allowed" in response.content
