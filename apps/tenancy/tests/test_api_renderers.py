"""The API answers JSON, whatever a browser asks for: DRF's browsable HTML renderer is off
(its forms need a ``serializer_class`` that our views do not declare: it answered 500)."""


def test_a_browser_asking_for_html_gets_the_apis_json(api, world):
    client = api("alpha", "clerk_a1")
    store = world.alpha.stores["A1"]
    for path in (f"/stores/{store.pk}/orders/", f"/stores/{store.pk}/channels/", "/me/"):
        response = client.get(client.prefix + path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert (response.status_code, response["Content-Type"]) == (200, "application/json"), path


def test_an_api_error_asked_for_by_a_browser_is_the_json_error(api, world):
    client = api("alpha")  # no token
    response = client.get(client.prefix + "/me/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (401, "application/json", "not_authenticated")
    # a client that takes HTML only is told the API has none (the error in JSON all the same)
    response = client.get(client.prefix + "/me/", HTTP_ACCEPT="text/html")
    assert (response.status_code, response.json()["code"]) == (406, "not_acceptable")
