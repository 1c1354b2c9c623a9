"""Integration tokens, ``Authorization: Token <key>`` (DRF's header; integrations, scripts):
stored as hashes, the token, its user and staff profile in one query, kept in the process
until any of them changes; DRF's answers otherwise."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.tenancy.auth_selectors import integration_token_get, token_hash
from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.models import ApiToken, StaffProfile
from apps.tenancy.reference_cache import cache_clear
from tests.errors import error_json
from tests.world import PASSWORD

INVALID_EN = {"detail": "Invalid token.", "code": "authentication_failed", "extra": {}}
INVALID_ZH = {"detail": "认证令牌无效。", "code": "authentication_failed", "extra": {}}
INACTIVE_EN = {"detail": "User inactive or deleted.", "code": "authentication_failed", "extra": {}}
INACTIVE_ZH = {"detail": "用户未激活或者已删除。", "code": "authentication_failed", "extra": {}}


def _channels(world, store_key="A1"):
    return f"/t/alpha/api/v1/stores/{world.alpha.stores[store_key].pk}/channels/"


def _with_key(api, key, language=None):
    client = api("alpha", language=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    return client


def _auth_queries(captured):
    tables = ("tenancy_apitoken", "auth_user", "tenancy_staffprofile")
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and any(t in q["sql"] for t in tables)]


def test_token_is_read_in_one_query_then_kept_until_a_change(api, world):
    clerk = api("alpha", "clerk_a1")
    cache_clear()
    with CaptureQueriesContext(connection) as first:
        assert clerk.get(_channels(world)).status_code == 200
    auth = _auth_queries(first)
    # the token, its user and the user's staff profile: one query, the three tables joined
    assert len(auth) == 1
    assert all(t in auth[0] for t in ("tenancy_apitoken", "auth_user", "tenancy_staffprofile"))
    with CaptureQueriesContext(connection) as second:
        assert clerk.get(_channels(world)).status_code == 200
    assert _auth_queries(second) == []  # kept in the process: nothing of it changed
    with tenant_context(world.alpha.tenant):
        StaffProfile.objects.get(user__username="clerk_a1").save()  # any change of access data
    with CaptureQueriesContext(connection) as third:
        assert clerk.get(_channels(world)).status_code == 200
    assert len(_auth_queries(third)) == 1


def test_me_reads_the_profile_from_the_token_query(api, world):
    clerk = api("alpha", "manager_a1")
    cache_clear()
    with CaptureQueriesContext(connection) as captured:
        response = clerk.get(clerk.prefix + "/me/")
    assert response.status_code == 200
    assert (response.json()["username"], response.json()["role"]) == ("manager_a1", "store_manager")
    # the profile came with the token: no query reads it on its own
    assert [q for q in _auth_queries(captured) if "tenancy_apitoken" not in q] == []


@pytest.mark.parametrize(("language", "body"), [("en", INVALID_EN), ("zh-hans", INVALID_ZH)])
def test_unknown_key_is_refused(api, world, language, body):
    response = _with_key(api, "0" * 40, language).get(_channels(world))
    assert (response.status_code, error_json(response)) == (401, body)


def test_key_of_another_tenant_is_refused(api, world):
    beta_key = world.beta.tokens["clerk_b1"]
    response = _with_key(api, beta_key, "en").get(_channels(world))
    assert (response.status_code, error_json(response)) == (401, INVALID_EN)


@pytest.mark.parametrize(("language", "body"), [("en", INACTIVE_EN), ("zh-hans", INACTIVE_ZH)])
def test_key_of_an_inactive_user_is_refused(api, world, language, body):
    with tenant_context(world.alpha.tenant):
        # made inactive from the start: no deactivation revoked its token
        user = get_user_model().objects.create_user(username=f"inactive_{language}", password=PASSWORD, is_active=False)
        key = integration_token_create(user=user)[1]
    response = _with_key(api, key, language).get(_channels(world))
    assert (response.status_code, error_json(response)) == (401, body)


@pytest.mark.parametrize(("header", "detail"), [
    ("Token", "Invalid token header. No credentials provided."),
    ("Token a b", "Invalid token header. Token string should not contain spaces."),
])
def test_malformed_header_answers_as_drf_does(api, world, header, detail):
    client = api("alpha", language="en")
    client.credentials(HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(_channels(world))
    assert (response.status_code, error_json(response)) == (401, {"detail": detail, "code": "authentication_failed", "extra": {}})


def test_user_without_staff_profile_works(api, world):
    with tenant_context(world.alpha.tenant):
        # a tenant admin made outside staff_create (e.g. createsuperuser): no StaffProfile
        user = get_user_model().objects.create_user(username="root_np", password=PASSWORD, is_staff=True, is_superuser=True)
        key = integration_token_create(user=user)[1]
    client = _with_key(api, key, "en")
    cache_clear()
    with CaptureQueriesContext(connection) as captured:
        me = client.get(client.prefix + "/me/")
    assert me.status_code == 200
    assert len(_auth_queries(captured)) == 1  # token + user + no profile: its absence costs no query
    assert {k: me.json()[k] for k in ("username", "display_name", "role", "current_store_id")} == {
        "username": "root_np", "display_name": "root_np", "role": "tenant_admin", "current_store_id": None,
    }
    assert client.get(_channels(world, "A2")).status_code == 200


def test_selector_gives_what_select_related_gives(in_alpha):
    key = in_alpha.tokens["clerk_a1"]
    expected = ApiToken.objects.select_related("user", "user__staff").get(key_hash=token_hash(key))
    cache_clear()
    with CaptureQueriesContext(connection) as captured:
        token = integration_token_get(raw=key)
        # everything below is cached on the instances, as select_related leaves it
        user, profile = token.user, token.user.staff
        assert profile.user is user
    assert len(_auth_queries(captured)) == 1
    assert [getattr(token, f.attname) for f in ApiToken._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in ApiToken._meta.concrete_fields
    ]
    assert [getattr(user, f.attname) for f in user._meta.concrete_fields] == [
        getattr(expected.user, f.attname) for f in user._meta.concrete_fields
    ]
    assert [getattr(profile, f.attname) for f in StaffProfile._meta.concrete_fields] == [
        getattr(expected.user.staff, f.attname) for f in StaffProfile._meta.concrete_fields
    ]
    assert not token._state.adding and token._state.db == "default"
    assert not user._state.adding and not profile._state.adding
    # kept: the next call reads nothing, and hands out its own instances
    with CaptureQueriesContext(connection) as again:
        second = integration_token_get(raw=key)
    assert _auth_queries(again) == []
    assert second is not token and second.user is not user and second.user.staff is not profile
    assert (second.key_hash, second.user.username, second.user.staff.role) == (token.key_hash, user.username, profile.role)


def test_selector_without_profile_caches_its_absence(in_alpha):
    user = get_user_model().objects.create_user(username="no_profile", password=PASSWORD)
    key = integration_token_create(user=user)[1]
    cache_clear()
    with CaptureQueriesContext(connection) as captured:
        token = integration_token_get(raw=key)
        assert getattr(token.user, "staff", None) is None
    assert len(_auth_queries(captured)) == 1


def test_selector_unknown_key_is_none(in_alpha):
    assert integration_token_get(raw="nope") is None
