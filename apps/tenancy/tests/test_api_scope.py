"""Tenant and store scoping through the REST API. Each test fails without the scoping."""
from django_tenants.utils import tenant_context

from apps.tenancy.models import Setting, Store
from apps.tenancy.services import setting_set
from tests.errors import error_json


def test_tenant_admin_sees_all_and_only_own_tenants_stores(api, world):
    response = api("alpha", "admin_a").get(api("alpha").prefix + "/stores/")
    assert response.status_code == 200
    assert [s["code"] for s in response.json()] == ["a1", "a2"]
    assert all(s["can_manage"] for s in response.json())


def test_front_desk_lists_only_granted_store(api, world):
    c = api("alpha", "clerk_a1")
    response = c.get(c.prefix + "/stores/")
    assert [(s["code"], s["can_manage"]) for s in response.json()] == [("a1", False)]


def test_token_of_tenant_a_is_unknown_in_tenant_b(api, world):
    token = world.alpha.tokens["admin_a"]
    c = api("beta")
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = c.get(c.prefix + "/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_tenant_a_admin_cannot_read_or_write_tenant_b_store_by_crafted_id(api, world):
    # A store that exists only in beta's schema, with an id alpha does not have.
    with tenant_context(world.beta.tenant):
        hidden_id = Store.objects.create(pk=9001, name="Beta Hidden", code="b-hidden").pk
    with tenant_context(world.alpha.tenant):
        assert not Store.objects.filter(pk=hidden_id).exists()
    c = api("alpha", "admin_a")
    assert c.get(f"{c.prefix}/stores/{hidden_id}/").status_code == 404
    assert c.get(f"{c.prefix}/stores/{hidden_id}/settings/").status_code == 404
    response = c.put(f"{c.prefix}/stores/{hidden_id}/settings/general/x/", {"value": "1"}, format="json")
    assert response.status_code == 404
    assert error_json(response) == {"detail": response.json()["detail"], "code": "not_found", "extra": {}}
    with tenant_context(world.beta.tenant):
        assert not Setting.objects.filter(store_id=hidden_id).exists()


def test_store_a_staff_cannot_reach_store_b_objects(api, world):
    a2 = world.alpha.stores["A2"]
    c = api("alpha", "clerk_a1")
    assert c.get(f"{c.prefix}/stores/{a2.pk}/").status_code == 404
    assert c.get(f"{c.prefix}/stores/{a2.pk}/settings/").status_code == 404
    # a missing store answers the same way
    missing = c.get(f"{c.prefix}/stores/999999/")
    forbidden = c.get(f"{c.prefix}/stores/{a2.pk}/")
    assert missing.status_code == forbidden.status_code == 404
    assert error_json(missing) == error_json(forbidden)
    switch = c.put(f"{c.prefix}/me/current-store/", {"store_id": a2.pk}, format="json")
    assert switch.status_code == 404


def test_front_desk_cannot_do_manager_only_action(api, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    c = api("alpha", "clerk_a1")
    response = c.put(f"{c.prefix}/stores/{a1.pk}/settings/audit/time/", {"value": "04:00", "value_type": "time"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "manager_only"
    assert not Setting.objects.filter(store=a1, group="audit", key="time").exists()


def test_manager_can_do_manager_only_action_in_own_store_only(api, world, in_alpha):
    a1, a2 = world.alpha.stores["A1"], world.alpha.stores["A2"]
    c = api("alpha", "manager_a1")
    ok = c.put(f"{c.prefix}/stores/{a1.pk}/settings/audit/time/", {"value": "04:00", "value_type": "time"}, format="json")
    assert ok.status_code == 200
    assert ok.json() == {
        "group": "audit", "key": "time", "value": "04:00", "value_type": "time",
        "description": "", "is_sensitive": False, "scope": "store",
    }
    assert c.put(f"{c.prefix}/stores/{a2.pk}/settings/audit/time/", {"value": "04:00"}, format="json").status_code == 404


def test_effective_settings_prefer_store_override_and_mask_sensitive_for_staff(api, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    setting_set(store=None, group="policy", key="checkout_time", value="12:00", value_type="time")
    setting_set(store=a1, group="policy", key="checkout_time", value="13:00", value_type="time")
    setting_set(store=None, group="pay", key="secret", value="s3cr3t", is_sensitive=True)
    c = api("alpha", "clerk_a1")
    rows = {(r["group"], r["key"]): r for r in c.get(f"{c.prefix}/stores/{a1.pk}/settings/").json()}
    assert rows[("policy", "checkout_time")]["value"] == "13:00"
    assert rows[("policy", "checkout_time")]["scope"] == "store"
    assert rows[("pay", "secret")]["value"] == "******"


def test_switch_current_store_is_remembered(api, world, in_alpha):
    a2 = world.alpha.stores["A2"]
    c = api("alpha", "admin_a")
    response = c.put(f"{c.prefix}/me/current-store/", {"store_id": a2.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["current_store_id"] == a2.pk
    assert c.get(f"{c.prefix}/me/").json()["current_store_id"] == a2.pk


def test_token_login_and_wrong_password(api, world):
    c = api("alpha")
    ok = c.post(c.prefix + "/auth/token/", {"username": "clerk_a1", "password": "test-pass-123"}, format="json")
    assert ok.status_code == 200
    # a new integration token each time, which works at once
    assert ok.json()["token"].startswith("it_") and ok.json()["token"] != world.alpha.tokens["clerk_a1"]
    c.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert c.get(c.prefix + "/me/").json()["username"] == "clerk_a1"
    c.credentials()
    bad = c.post(c.prefix + "/auth/token/", {"username": "clerk_a1", "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "authentication_failed"
    # the same credentials mean nothing in the other tenant
    other = api("beta").post("/t/beta/api/v1/auth/token/", {"username": "clerk_a1", "password": "test-pass-123"}, format="json")
    assert other.status_code == 400


def test_the_token_and_the_store_scope_are_read_from_the_reference_cache_until_they_change(api, world):
    """A request reads the caller's token, user and grants from the process's reference
    cache (``apps.tenancy.reference_cache``), and a change is seen by the next request: a
    store taken away answers 404, a store given back 200, a user deactivated 401."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.tenancy.services import staff_grant_store, staff_revoke_store

    a1 = world.alpha.stores["A1"]
    c = api("alpha", "clerk_a1")
    c.get(f"{c.prefix}/stores/{a1.pk}/")  # warm the caches
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(f"{c.prefix}/stores/{a1.pk}/").status_code == 200
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "authtoken" not in tables and "guardian" not in tables and "tenancy_store" not in tables

    with tenant_context(world.alpha.tenant):
        profile = world.alpha.users["clerk_a1"].staff
        staff_revoke_store(profile=profile, store=a1)
    assert c.get(f"{c.prefix}/stores/{a1.pk}/").status_code == 404
    with tenant_context(world.alpha.tenant):
        staff_grant_store(profile=profile, store=a1)
    assert c.get(f"{c.prefix}/stores/{a1.pk}/").status_code == 200
    with tenant_context(world.alpha.tenant):
        user = get_user_model().objects.get(pk=profile.user_id)
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert c.get(f"{c.prefix}/stores/{a1.pk}/").status_code == 401
