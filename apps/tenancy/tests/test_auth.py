"""Bearer tokens of the owner's app: log in, refresh rotation, reuse detection, log out."""
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.tenancy.auth_selectors import token_hash
from apps.tenancy.auth_services import auth_refresh, token_pair_issue
from apps.tenancy.models import ApiToken, UserDevice
from apps.tenancy.reference_cache import cache_clear
from tests.errors import error_json
from tests.fixtures import run_concurrently
from tests.sql import queries

REVOKED_ZH = {"detail": "令牌无效或已被撤销。", "code": "authentication_failed", "extra": {}}
REVOKED_EN = {"detail": "The token is not valid or was revoked.", "code": "authentication_failed", "extra": {}}


def _refresh(client, refresh):
    return client.post(client.prefix + "/auth/refresh/", {"refresh": refresh}, format="json")


def test_login_returns_a_token_pair_and_the_user_summary(app_client, world):
    c = app_client("alpha")
    before = timezone.now()
    response = c.post(c.prefix + "/auth/login/", {"username": "clerk_a1", "password": "test-pass-123"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access", "access_expires_at", "device_id", "refresh", "refresh_expires_at", "token_type", "user"]
    assert body["token_type"] == "Bearer"
    assert body["user"] == {
        "id": world.alpha.users["clerk_a1"].pk, "username": "clerk_a1", "display_name": "clerk_a1",
        "role": "front_desk", "current_store_id": world.alpha.stores["A1"].pk,
    }
    assert body["access"].startswith("at_") and body["refresh"].startswith("rt_")
    access_exp = datetime.fromisoformat(body["access_expires_at"])
    refresh_exp = datetime.fromisoformat(body["refresh_expires_at"])
    assert timedelta(hours=2) <= access_exp - before < timedelta(hours=2, seconds=30)
    assert timedelta(days=30) <= refresh_exp - before < timedelta(days=30, seconds=30)
    # only hashes are stored, in alpha's schema
    with tenant_context(world.alpha.tenant):
        rows = list(ApiToken.objects.filter(user=world.alpha.users["clerk_a1"]).exclude(kind="integration").order_by("kind"))
        assert [(r.kind, r.key_hash) for r in rows] == [
            ("access", token_hash(body["access"])), ("refresh", token_hash(body["refresh"])),
        ]
        assert rows[0].family == rows[1].family
        assert not ApiToken.objects.filter(key_hash__in=[body["access"], body["refresh"]]).exists()


def test_login_with_a_wrong_password_answers_401_and_issues_nothing(app_client, world, in_alpha):
    c = app_client("alpha")
    response = c.post(c.prefix + "/auth/login/", {"username": "clerk_a1", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert error_json(response) == {"detail": "用户名或密码错误。", "code": "invalid_credentials", "extra": {}}
    en = app_client("alpha", language="en").post(c.prefix + "/auth/login/", {"username": "clerk_a1", "password": "x"}, format="json")
    assert error_json(en) == {"detail": "Wrong user name or password.", "code": "invalid_credentials", "extra": {}}
    assert not ApiToken.objects.exclude(kind="integration").exists()


def test_login_validates_its_input(app_client, world):
    c = app_client("alpha", language="en")
    response = c.post(c.prefix + "/auth/login/", {"username": "clerk_a1"}, format="json")
    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "Some fields are not valid.", "code": "invalid",
        "extra": {"fields": {"password": ["This field is required."]}},
    }


def test_login_records_the_device(app_client, world, in_alpha):
    c = app_client("alpha")
    device = {"device_type": "wechat_mp", "device_token": "dev-1", "app_version": "1.4.0"}
    payload = {"username": "clerk_a1", "password": "test-pass-123", "device": device}
    assert c.post(c.prefix + "/auth/login/", payload, format="json").status_code == 200
    assert c.post(c.prefix + "/auth/login/", {**payload, "device": {**device, "app_version": "1.5.0"}}, format="json").status_code == 200
    row = UserDevice.objects.get(user=world.alpha.users["clerk_a1"])
    assert (row.device_type, row.device_token, row.app_version, row.status) == ("wechat_mp", "dev-1", "1.5.0", "active")
    assert row.last_login_at is not None
    assert set(ApiToken.objects.filter(user=row.user).exclude(kind="integration").values_list("device_id", flat=True)) == {row.pk}


def _auth_tables(client, path) -> list[str]:
    """The statements of one request that read tokens, users or staff profiles."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    tables = ("tenancy_apitoken", "authtoken_token", "auth_user", "tenancy_staffprofile")
    return [q["sql"] for q in ctx.captured_queries if any(f'FROM "{t}"' in q["sql"] for t in tables)]


def test_a_bearer_token_is_read_with_its_user_and_profile_once_then_from_the_cache(login, world):
    c, _body = login("alpha", "manager_a1")
    cache_clear()
    auth = _auth_tables(c, c.prefix + "/me/")
    assert len(auth) == 1  # the token with its user and profile, one query
    assert '"tenancy_apitoken"' in auth[0] and '"auth_user"' in auth[0] and '"tenancy_staffprofile"' in auth[0]
    assert _auth_tables(c, c.prefix + "/me/") == []  # then the reference cache
    assert c.get(c.prefix + "/me/").json()["username"] == "manager_a1"


def test_a_bearer_request_costs_the_same_as_a_drf_token(login, api, world):
    bearer, _body = login("alpha", "manager_a1")
    token = api("alpha", "manager_a1")
    bearer.get(bearer.prefix + "/me/")
    token.get(token.prefix + "/me/")
    assert queries(lambda: bearer.get(bearer.prefix + "/me/")) == queries(lambda: token.get(token.prefix + "/me/"))


def test_refresh_rotates_the_pair_and_uses_up_the_old_refresh_token(login, app_client, world, in_alpha):
    c, first = login("alpha", "clerk_a1")
    response = _refresh(app_client("alpha"), first["refresh"])
    assert response.status_code == 200
    second = response.json()
    assert second["access"] != first["access"] and second["refresh"] != first["refresh"]
    assert second["user"]["username"] == "clerk_a1"
    old = ApiToken.objects.get(key_hash=token_hash(first["refresh"]))
    assert (old.revoke_reason, old.revoked_at is not None) == ("rotated", True)
    new = ApiToken.objects.get(key_hash=token_hash(second["refresh"]))
    assert new.family == old.family and new.revoked_at is None
    fresh = app_client("alpha")
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access']}")
    assert fresh.get(fresh.prefix + "/me/").status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(login, app_client, world, in_alpha):
    c, first = login("alpha", "clerk_a1")
    _other_client, other_login = login("alpha", "clerk_a1")  # another device: another family
    second = _refresh(app_client("alpha"), first["refresh"]).json()
    # the stolen copy of the first refresh token is presented again
    reused = _refresh(app_client("alpha", language="en"), first["refresh"])
    assert reused.status_code == 401
    assert error_json(reused) == {
        "detail": "This refresh token was already used; every session of this log-in is now closed. Log in again.",
        "code": "refresh_token_reused", "extra": {},
    }
    # every token of the family is dead: the rotated pair too
    again = _refresh(app_client("alpha"), second["refresh"])
    assert again.status_code == 401 and again.json()["code"] == "refresh_token_invalid"
    victim = app_client("alpha")
    victim.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access']}")
    assert error_json(victim.get(victim.prefix + "/me/")) == REVOKED_ZH
    assert c.get(c.prefix + "/me/").status_code == 401
    family = ApiToken.objects.get(key_hash=token_hash(first["refresh"])).family
    assert set(ApiToken.objects.filter(family=family).values_list("revoke_reason", flat=True)) == {"rotated", "reuse"}
    # the other log-in is untouched
    assert _refresh(app_client("alpha"), other_login["refresh"]).status_code == 200


def test_unknown_and_expired_refresh_tokens_are_refused(login, app_client, world, in_alpha):
    _c, body = login("alpha", "clerk_a1")
    unknown = _refresh(app_client("alpha"), "rt_nothing")
    assert unknown.status_code == 401
    assert error_json(unknown) == {"detail": "刷新令牌无效，请重新登录。", "code": "refresh_token_invalid", "extra": {}}
    ApiToken.objects.filter(key_hash=token_hash(body["refresh"])).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = _refresh(app_client("alpha"), body["refresh"])
    assert expired.status_code == 401 and expired.json()["code"] == "refresh_token_invalid"
    # an expired token is not "reused": the family's access token still works until it expires
    assert ApiToken.objects.get(key_hash=token_hash(body["access"])).revoked_at is None


def test_logout_revokes_the_access_token_and_its_refresh_family(login, app_client, world, in_alpha):
    c, body = login("alpha", "clerk_a1", language="en")
    response = c.post(c.prefix + "/auth/logout/")
    assert response.status_code == 204
    after = c.get(c.prefix + "/me/")
    assert after.status_code == 401
    assert error_json(after) == REVOKED_EN
    assert after["WWW-Authenticate"] == 'Bearer realm="api"'
    refresh = _refresh(app_client("alpha"), body["refresh"])
    assert refresh.status_code == 401 and refresh.json()["code"] == "refresh_token_invalid"
    assert set(ApiToken.objects.filter(user=world.alpha.users["clerk_a1"]).exclude(kind="integration").values_list("revoke_reason", flat=True)) == {"logout"}


def test_logout_needs_a_bearer_token(api, world):
    c = api("alpha", "clerk_a1")  # an integration token: revoked at auth/tokens/{id}/, not here
    response = c.post(c.prefix + "/auth/logout/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_logout_marks_the_device_logged_out(app_client, world, in_alpha):
    c = app_client("alpha")
    body = c.post(c.prefix + "/auth/login/", {
        "username": "clerk_a1", "password": "test-pass-123", "device": {"device_type": "android", "device_token": "d"},
    }, format="json").json()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert c.post(c.prefix + "/auth/logout/").status_code == 204
    assert UserDevice.objects.get(user=world.alpha.users["clerk_a1"]).status == "logged_out"


def test_token_of_tenant_alpha_is_unknown_in_beta(login, app_client, world):
    _c, body = login("alpha", "admin_a")
    c = app_client("beta")
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    response = c.get(c.prefix + "/me/")
    assert response.status_code == 401
    assert error_json(response) == REVOKED_ZH
    assert _refresh(app_client("beta"), body["refresh"]).json()["code"] == "refresh_token_invalid"


def test_expired_access_token_answers_401(login, world, in_alpha):
    c, body = login("alpha", "clerk_a1", language="en")
    ApiToken.objects.filter(key_hash=token_hash(body["access"])).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = c.get(c.prefix + "/me/")
    assert response.status_code == 401
    assert error_json(response) == {
        "detail": "The access token has expired. Refresh it or log in again.", "code": "authentication_failed", "extra": {},
    }


def test_deactivated_user_token_answers_401(login, world, in_alpha):
    c, _body = login("alpha", "clerk_a2")
    user = world.alpha.users["clerk_a2"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert c.get(c.prefix + "/me/").json()["code"] == "authentication_failed"


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"])
def test_malformed_bearer_header_answers_401(app_client, world, header):
    c = app_client("alpha")
    c.credentials(HTTP_AUTHORIZATION=header)
    response = c.get(c.prefix + "/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_last_used_at_is_written_at_most_every_five_minutes(login, world, in_alpha):
    c, body = login("alpha", "manager_a1")
    token = ApiToken.objects.get(key_hash=token_hash(body["access"]))
    issued = token.last_used_at

    def writes_at(moment) -> list[str]:
        with mock.patch("apps.tenancy.authentication.timezone.now", return_value=moment), \
                CaptureQueriesContext(connection) as ctx:
            assert c.get(c.prefix + "/me/").status_code == 200
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "last_used_at" in q["sql"]]

    assert writes_at(issued + timedelta(minutes=4)) == []  # written at log-in, four minutes ago
    assert len(writes_at(issued + timedelta(minutes=6))) == 1
    assert ApiToken.objects.get(pk=token.pk).last_used_at == issued + timedelta(minutes=6)
    assert writes_at(issued + timedelta(minutes=8)) == []  # two minutes after that write
    assert len(writes_at(issued + timedelta(minutes=12))) == 1
    assert timezone.now() < issued + timedelta(minutes=12)  # the clock was the patched one


def test_stores_and_store_switching_work_with_a_bearer_token(login, world, in_alpha):
    c, _body = login("alpha", "admin_a")
    a2 = world.alpha.stores["A2"].pk
    assert [s["code"] for s in c.get(c.prefix + "/stores/").json()] == ["a1", "a2"]
    response = c.put(c.prefix + "/me/current-store/", {"store_id": a2}, format="json")
    assert response.status_code == 200 and response.json()["current_store_id"] == a2
    clerk, _ = login("alpha", "clerk_a1")
    assert clerk.put(clerk.prefix + "/me/current-store/", {"store_id": a2}, format="json").status_code == 404
    assert clerk.get(f"{clerk.prefix}/stores/{a2}/").status_code == 404
    assert clerk.get(f"{clerk.prefix}/stores/999999/").status_code == 404


def test_concurrent_exchanges_of_one_refresh_token_leave_one_winner_and_revoke_the_family(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        pair = token_pair_issue(user=committed_tenant.admin)
    results = run_concurrently(lambda: auth_refresh(raw_refresh=pair.refresh), [()] * 8, tenant=committed_tenant.tenant)
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(e, DomainError) and e.code == "refresh_token_reused" for e in losers)
    with tenant_context(committed_tenant.tenant):
        # the copy was detected: the whole family, the winner's new pair included, is revoked
        assert not ApiToken.objects.filter(family=pair.family, revoked_at__isnull=True).exists()
        assert ApiToken.objects.filter(family=pair.family).count() == 4


def test_bearer_header_on_the_public_schema_is_ignored(client, db):
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Bearer at_whatever")
    assert response.status_code == 200
