"""Tenant and store scoping through the back office (session auth, templates)."""


def test_login_lands_on_current_store(browser_login, world):
    client = browser_login("alpha", "clerk_a1")
    response = client.get("/t/alpha/")
    assert response.status_code == 302
    assert response["Location"] == f"/t/alpha/s/{world.alpha.stores['A1'].pk}/grid/"  # the room grid
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Alpha One" in page.content.decode()


def test_store_page_of_ungranted_store_is_404(browser_login, world):
    client = browser_login("alpha", "clerk_a1")
    assert client.get(f"/t/alpha/s/{world.alpha.stores['A2'].pk}/").status_code == 404
    assert client.post("/t/alpha/switch-store/", {"store_id": world.alpha.stores["A2"].pk}).status_code == 404


def test_session_of_tenant_a_is_not_a_session_in_tenant_b(browser_login, world):
    client = browser_login("alpha", "admin_a")
    response = client.get(f"/t/beta/s/{world.beta.stores['B1'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/beta/login/")


def test_manager_only_page_refuses_front_desk(browser_login, world):
    a1 = world.alpha.stores["A1"].pk
    assert browser_login("alpha", "clerk_a1").get(f"/t/alpha/s/{a1}/settings/").status_code == 403


def test_manager_only_page_serves_manager(browser_login, world):
    a1 = world.alpha.stores["A1"].pk
    assert browser_login("alpha", "manager_a1").get(f"/t/alpha/s/{a1}/settings/").status_code == 200


def test_unknown_tenant_is_404(client, db):
    assert client.get("/t/nobody/login/").status_code == 404
