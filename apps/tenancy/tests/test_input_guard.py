"""Input PostgreSQL cannot store is a 400, never a 500 (apps/common/input_guard.py)."""
import json

import pytest

from tests.errors import error_json

NESTED = "[" * 100_000 + "]" * 100_000


def test_a_nul_in_a_page_query_string_is_a_400_in_the_users_language(browser_login, world):
    client = browser_login("alpha", "clerk_a1")
    a1 = world.alpha.stores["A1"].pk
    response = client.get(f"/t/alpha/s/{a1}/guests/", {"q": "张\x00三"})  # used to be a 500 (psycopg refuses NUL)
    assert response.status_code == 400
    assert "不允许包含空字符（U+0000）。" in response.content.decode()
    assert client.get(f"/t/alpha/s/{a1}/guests/", {"q": "张三"}).status_code == 200


def test_a_nul_in_a_posted_form_is_a_400_and_nothing_is_written(browser_login, world):
    client = browser_login("alpha", "clerk_a1")
    a1 = world.alpha.stores["A1"].pk
    response = client.post(f"/t/alpha/s/{a1}/guests/", {"number": "1101\x0005"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Null characters (U+0000) are not allowed." in response.content.decode()


def test_the_login_form_with_a_nul_is_a_400(client, world):
    response = client.post("/t/alpha/login/", {"username": "clerk\x00a1", "password": "x"})
    assert response.status_code == 400


def test_the_api_leaves_nul_to_its_serializers(api, world):
    c = api("alpha", "clerk_a1", language="en")
    a1 = world.alpha.stores["A1"].pk
    response = c.get(f"{c.prefix}/stores/{a1}/contacts/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "q" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("language, detail", [
    ("en", "JSON parse error - the document is nested too deeply."),
    ("zh-hans", "JSON 解析错误：文档嵌套层级过深。"),
])
def test_json_nested_too_deeply_is_a_parse_error_not_a_500(api, world, language, detail):
    c = api("alpha", "admin_a", language=language)
    a1 = world.alpha.stores["A1"].pk
    with pytest.raises(RecursionError):
        json.loads(NESTED)  # what DRF's own parser let through as a 500
    response = c.generic("PUT", f"{c.prefix}/stores/{a1}/settings/a/b/", NESTED, content_type="application/json")
    assert response.status_code == 400
    assert error_json(response) == {"detail": detail, "code": "parse_error", "extra": {}}


def test_the_login_api_nested_too_deeply_is_a_parse_error_too(client, world):
    response = client.generic("POST", "/t/alpha/api/v1/auth/login/", NESTED, content_type="application/json",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
