import socket

from apps.common import health
from tests.errors import error_json


def test_error_shape_in_chinese_by_default(api, world):
    response = api("alpha").get("/t/alpha/api/v1/me/")
    assert response.status_code == 401
    assert error_json(response) == {"detail": "身份认证信息未提供。", "code": "not_authenticated", "extra": {}}


def test_error_shape_in_english_on_request(api, world):
    response = api("alpha", language="en").get("/t/alpha/api/v1/me/")
    assert error_json(response) == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated", "extra": {}}


def test_validation_errors_list_fields(api, world):
    c = api("alpha", "admin_a", language="en")
    store = world.alpha.stores["A1"].pk
    response = c.put(f"{c.prefix}/stores/{store}/settings/a/b/", {"value_type": "nope"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Some fields are not valid."
    assert set(body["extra"]["fields"]) == {"value", "value_type"}


def test_setting_value_must_fit_its_type(api, world):
    c = api("alpha", "admin_a", language="en")
    store = world.alpha.stores["A1"].pk
    response = c.put(f"{c.prefix}/stores/{store}/settings/a/b/", {"value": "soon", "value_type": "int"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "setting_value_invalid"


def test_unknown_api_path_answers_json_404(client, world):
    response = client.get("/t/alpha/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_healthz_answers_alive_and_readyz_reports_database_redis_and_migrations(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}


def test_readyz_says_unavailable_while_redis_is_unreachable_and_recovers(client, db, settings):
    """The probe's Redis client is kept per process; pointed at a port nothing listens
    on it answers 503, and with the real URL back it is ready again. Liveness does not
    depend on Redis."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    real_url = settings.REDIS_URL
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
        health._redis.cache_clear()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json() == {"status": "unavailable", "database": "ok", "redis": "error: ConnectionError", "migrations": "ok"}
        assert client.get("/healthz").status_code == 200
    finally:
        settings.REDIS_URL = real_url
        health._redis.cache_clear()
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}
    assert health._redis() is health._redis()


def test_openapi_schema_and_local_swagger(client, db):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/stores/{store_id}/settings/{group}/{key}/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def test_domain_error_message_follows_accept_language(api, world):
    store = world.alpha.stores["A1"].pk
    zh = api("alpha", "clerk_a1").put(f"/t/alpha/api/v1/stores/{store}/settings/a/b/", {"value": "1"}, format="json")
    en = api("alpha", "clerk_a1", language="en").put(f"/t/alpha/api/v1/stores/{store}/settings/a/b/", {"value": "1"}, format="json")
    assert error_json(zh) == {"detail": "只有店长可以执行此操作。", "code": "manager_only", "extra": {}}
    assert error_json(en) == {"detail": "Only a store manager can do this.", "code": "manager_only", "extra": {}}


def test_back_office_is_chinese_by_default_and_switches_to_english(client, world):
    assert "<h1>登录</h1>" in client.get("/t/alpha/login/").content.decode()
    response = client.post("/t/alpha/i18n/setlang/", {"language": "en", "next": "/t/alpha/login/"})
    assert response.status_code == 302
    assert "<h1>Log in</h1>" in client.get("/t/alpha/login/").content.decode()


def test_options_on_every_api_route_never_fails(api, world):
    """OPTIONS (CORS preflight, metadata) answers 200 on every store-scoped API route."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    store = world.alpha.stores["A1"].pk
    c = api("alpha", "admin_a", language="en")
    routes = [r for r in walk(get_resolver("config.urls_api").url_patterns) if "<" in r or r.endswith("/")]
    assert len(routes) > 10
    failures = []
    for route in routes:
        path = "/" + route.replace("<int:store_id>", str(store)).replace("^", "").replace("$", "")
        path = __import__("re").sub(r"<[^>]+>", "1", path)
        response = c.options("/t/alpha" + path)
        if response.status_code >= 500:
            failures.append((path, response.status_code))
    assert failures == []


def test_public_schema_ignores_authorization_headers(client, db):
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Token whatever")
    assert response.status_code == 200
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Bearer whatever")
    assert response.status_code == 200
