"""Tokens, issue 17: a password change or a deactivation (any path) revokes every token of
the user and ends the user's sessions; integration tokens are stored as hashes, expire, and
can be revoked (API, admin, management command); no key is ever stored in clear again."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.tenancy.auth_selectors import token_hash
from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.models import ApiToken, StaffProfile
from apps.tenancy.services import staff_create
from tests.errors import error_json
from tests.fixtures import unique_ip
from tests.world import PASSWORD

NEW_PASSWORD = "a-new-pass-2027"


@pytest.fixture
def holder(world):
    """A clerk of A1 with everything a user can hold: an app log-in (bearer pair), an
    integration token and a back-office session."""
    with tenant_context(world.alpha.tenant):
        user = staff_create(username=f"h{uuid.uuid4().hex[:8]}", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK,
                            stores=[world.alpha.stores["A1"]])
        _token, key = integration_token_create(user=user, name="sync")
    app = Client(REMOTE_ADDR=unique_ip())
    pair = app.post("/t/alpha/api/v1/auth/login/", {"username": user.username, "password": PASSWORD},
                    content_type="application/json").json()
    desk = Client(REMOTE_ADDR=unique_ip())
    assert desk.post("/t/alpha/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return user, pair, key, desk


def _can_use(pair, key, desk) -> dict:
    bearer = Client().get("/t/alpha/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    refresh = Client().post("/t/alpha/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, content_type="application/json")
    token = Client().get("/t/alpha/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    page = desk.get("/t/alpha/")
    return {"bearer": bearer.status_code == 200, "refresh": refresh.status_code == 200,
            "token": token.status_code == 200, "session": page.status_code == 302 and "/login/" not in page["Location"]}


def _reasons(world, user) -> set[str]:
    with tenant_context(world.alpha.tenant):
        return set(ApiToken.objects.filter(user=user).values_list("revoke_reason", flat=True))


def _change_by_save(user):
    user.set_password(NEW_PASSWORD)
    user.save()


def _change_by_admin_form(user):  # what the admin's "change password" page runs
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


def _change_by_password_change_form(user):
    form = PasswordChangeForm(user, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


@pytest.mark.parametrize("change", [_change_by_save, _change_by_admin_form, _change_by_password_change_form])
def test_a_password_change_revokes_every_token_and_session(world, holder, change):
    user, pair, key, desk = holder
    assert _can_use(dict(pair), key, desk) == {"bearer": True, "refresh": True, "token": True, "session": True}
    pair = Client(REMOTE_ADDR=unique_ip()).post(
        "/t/alpha/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    ).json()  # the refresh above used up the first pair
    with tenant_context(world.alpha.tenant):
        change(get_user_model().objects.get(pk=user.pk))
    assert _can_use(pair, key, desk) == {"bearer": False, "refresh": False, "token": False, "session": False}
    assert _reasons(world, user) == {"rotated", "password"}


def test_the_admins_password_page_revokes_the_users_tokens(world, holder, browser_login):
    user, pair, key, desk = holder
    admin = browser_login("alpha", "admin_a")
    response = admin.post(f"/t/alpha/admin/auth/user/{user.pk}/password/",
                          {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content[:2000]
    assert _can_use(pair, key, desk) == {"bearer": False, "refresh": False, "token": False, "session": False}
    assert _reasons(world, user) == {"password"}


@pytest.mark.parametrize("how", ["save", "update"])
def test_deactivation_by_any_path_revokes_every_token_for_good(world, holder, how):
    user, pair, key, desk = holder
    with tenant_context(world.alpha.tenant):
        if how == "save":
            row = get_user_model().objects.get(pk=user.pk)
            row.is_active = False
            row.save()
        else:  # no signal: the database does it
            get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert _can_use(pair, key, desk) == {"bearer": False, "refresh": False, "token": False, "session": False}
    assert _reasons(world, user) == {"inactive"}
    with tenant_context(world.alpha.tenant):
        get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    # reactivated: the old tokens stay dead; a new log-in is needed (the session too, when
    # the account was saved inactive: admin, forms, services)
    expected = {"bearer": False, "refresh": False, "token": False, "session": how == "update"}
    assert _can_use(pair, key, desk) == expected


def test_a_log_in_that_rehashes_the_password_revokes_nothing(world, holder, settings):
    user, pair, key, desk = holder
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher", *settings.PASSWORD_HASHERS]
    ok = Client(REMOTE_ADDR=unique_ip()).post("/t/alpha/api/v1/auth/login/", {"username": user.username, "password": PASSWORD},
                                              content_type="application/json")
    assert ok.status_code == 200
    with tenant_context(world.alpha.tenant):
        assert get_user_model().objects.get(pk=user.pk).password.startswith("pbkdf2_sha1$")  # rehashed at log-in
    # (Django keys sessions to the hash itself: its own sessions end at a rehash, as they always did)
    assert {k: v for k, v in _can_use(pair, key, desk).items() if k != "session"} == {"bearer": True, "refresh": True, "token": True}
    assert _reasons(world, user) == {"", "rotated"}  # the refresh in _can_use rotated the first pair


# --- integration tokens ---------------------------------------------------------------------


def test_integration_tokens_are_stored_as_hashes_named_and_expire(world, api):
    c = api("alpha", "manager_a1")
    response = c.post(c.prefix + "/auth/tokens/", {"name": "channel manager", "expires_in_days": 30}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert sorted(body) == ["expires_at", "id", "name", "token"] and body["name"] == "channel manager"
    with tenant_context(world.alpha.tenant):
        row = ApiToken.objects.get(pk=body["id"])
        assert (row.kind, row.key_hash, row.name) == ("integration", token_hash(body["token"]), "channel manager")
        assert timedelta(days=30) - (row.expires_at - row.created_at) < timedelta(seconds=1)
        # the key is nowhere in the database
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_apitoken WHERE key_hash = %s OR name = %s", [body["token"]] * 2)
            assert cursor.fetchone()[0] == 0
    use = Client().get(c.prefix + "/me/", HTTP_AUTHORIZATION=f"Token {body['token']}", HTTP_ACCEPT_LANGUAGE="en")
    assert use.json()["username"] == "manager_a1"
    with tenant_context(world.alpha.tenant):
        ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().get(c.prefix + "/me/", HTTP_AUTHORIZATION=f"Token {body['token']}", HTTP_ACCEPT_LANGUAGE="en")
    assert (expired.status_code, error_json(expired)) == (
        401, {"detail": "The token has expired. Ask for a new one.", "code": "authentication_failed", "extra": {}}
    )


def test_the_default_lifetime_is_the_setting(world, settings):
    settings.PMS_INTEGRATION_TOKEN_DAYS = 7
    with tenant_context(world.alpha.tenant):
        token, _key = integration_token_create(user=world.alpha.users["clerk_a1"])
        assert token.expires_at - token.created_at == timedelta(days=7)


def test_revoke_own_token_and_a_tenant_admin_revokes_anyones(world, api):
    clerk, other_clerk, admin = api("alpha", "clerk_a1"), api("alpha", "clerk_a2"), api("alpha", "admin_a")
    made = clerk.post(clerk.prefix + "/auth/tokens/", {"name": "script"}, format="json").json()
    mine = [t["id"] for t in clerk.get(clerk.prefix + "/auth/tokens/").json()]
    assert made["id"] in mine
    assert made["id"] not in [t["id"] for t in other_clerk.get(other_clerk.prefix + "/auth/tokens/").json()]
    assert made["id"] in [t["id"] for t in admin.get(admin.prefix + "/auth/tokens/").json()]
    # another clerk cannot revoke it (404, as if it did not exist); the tenant admin can
    assert other_clerk.delete(f"{other_clerk.prefix}/auth/tokens/{made['id']}/").status_code == 404
    assert admin.delete(f"{admin.prefix}/auth/tokens/{made['id']}/").status_code == 204
    refused = Client().get(clerk.prefix + "/me/", HTTP_AUTHORIZATION=f"Token {made['token']}", HTTP_ACCEPT_LANGUAGE="en")
    assert (refused.status_code, refused.json()["detail"]) == (401, "Invalid token.")
    row = [t for t in clerk.get(clerk.prefix + "/auth/tokens/").json() if t["id"] == made["id"]][0]
    assert row["revoke_reason"] == "revoked" and row["revoked_at"]
    assert admin.delete(f"{admin.prefix}/auth/tokens/{2**63}/").status_code == 404  # past bigint: not a 500
    # the clerk's own: revoking it is idempotent
    assert clerk.delete(f"{clerk.prefix}/auth/tokens/{made['id']}/").status_code == 204


def test_management_command_creates_lists_and_revokes(world):
    out = io.StringIO()
    call_command("integration_token", "alpha", "create", "--user", "manager_a1", "--name", "pos", "--days", "5", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert Client().get("/t/alpha/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    with tenant_context(world.alpha.tenant):
        token_id = ApiToken.objects.get(key_hash=token_hash(key)).pk
    listed = io.StringIO()
    call_command("integration_token", "alpha", "list", "--user", "manager_a1", stdout=listed)
    assert f"{token_id}\tmanager_a1\tpos\texpires" in listed.getvalue()
    call_command("integration_token", "alpha", "revoke", str(token_id), stdout=io.StringIO())
    assert Client().get("/t/alpha/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_the_admin_revokes_tokens(world, browser_login):
    with tenant_context(world.alpha.tenant):
        token, key = integration_token_create(user=world.alpha.users["clerk_a2"], name="old export")
    admin = browser_login("alpha", "admin_a")
    page = admin.get("/t/alpha/admin/tenancy/apitoken/")
    assert page.status_code == 200 and "old export" in page.content.decode()
    response = admin.post("/t/alpha/admin/tenancy/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert Client().get("/t/alpha/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_no_key_can_be_stored_in_clear_again(world):
    with tenant_context(world.alpha.tenant):
        with pytest.raises(DatabaseError, match="retired"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO authtoken_token (key, created, user_id) SELECT repeat('a', 40), now(), min(id) FROM auth_user")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0

