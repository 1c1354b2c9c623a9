"""Webhooks: a local receiver (started by the test) that verifies the signature gets an
order event delivered once after answering 500 twice (three attempts logged); per-order
order holds under concurrent changes; no phone or ID number in a payload; repeated failure
switches a subscription off; a manager re-sends; outbound URLs to loopback, private or
link-local addresses, or redirecting there, are refused."""
from datetime import timedelta

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.common.errors import DomainValidationError
from apps.orders import services as orders
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import booking, room_type_with_rooms
from apps.tenancy.business_day import business_date
from apps.webhooks import services
from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from apps.webhooks.tests.receiver import Receiver
from apps.common.outbound import url_check
from tests.fixtures import run_concurrently


@pytest.fixture(autouse=True)
def no_backoff(settings):
    settings.PMS_WEBHOOK_BACKOFF_S = 0


def _run_all(pairs):
    """What the delivery tasks do, here and now: each pair until nothing is left to post."""
    for sub_id, order_id in sorted(pairs):
        while services.deliveries_run(subscription_id=sub_id, order_id=order_id) is not None:
            pass


def _book(store, rt, day, **kwargs):
    return orders.order_create(**booking(store=store, actor=None, room_type=rt, arrival=day,
                                         departure=day + timedelta(days=1), confirm=True, **kwargs))


def test_a_receiver_answering_500_twice_gets_the_event_once_after_three_logged_attempts(store, rt, tomorrow):
    with Receiver(answers=[500, 500]) as receiver:
        sub = services.subscription_create(store=store, url=receiver.url, event_types=["order.confirmed"])
        receiver.secret = sub.secret
        order = _book(store, rt, tomorrow, guests=[PersonIn(full_name="王小明", phone="13812345678")])
        # when
        pairs = services.webhooks_pump()
        _run_all(pairs)
    # then
    assert pairs == {(sub.pk, order.pk)}
    assert [(r["status"], r["signed"], r["json"]["type"], r["json"]["data"]["order"]["id"]) for r in receiver.requests] == [
        (500, True, "order.confirmed", order.pk)] * 2 + [(200, True, "order.confirmed", order.pk)]
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)) == [500, 500, 200]
    # a second pump finds nothing new: delivered once
    assert services.webhooks_pump() == set()
    assert WebhookDelivery.objects.filter(subscription=sub).count() == 1
    assert WebhookSubscription.objects.get(pk=sub.pk).consecutive_failures == 0


def test_a_signature_made_with_another_secret_does_not_verify(store, rt, tomorrow):
    with Receiver() as receiver:
        sub = services.subscription_create(store=store, url=receiver.url)
        receiver.secret = "not-the-secret"
        _book(store, rt, tomorrow)
        _run_all(services.webhooks_pump())
    assert [r["signed"] for r in receiver.requests] == [False, False]  # created, confirmed
    assert sub.secret != "not-the-secret"


def test_no_phone_or_id_number_reaches_a_subscriber_and_the_name_is_masked(store, rt, tomorrow):
    with Receiver() as receiver:
        services.subscription_create(store=store, url=receiver.url)
        _book(store, rt, tomorrow, guests=[PersonIn(full_name="王小明", phone="13812345678", id_type="resident_id",
                                                    id_number="110101199003074514")])
        _run_all(services.webhooks_pump())
    bodies = b"".join(r["body"] for r in receiver.requests).decode()
    assert len(receiver.requests) == 2
    assert "13812345678" not in bodies and "5678" not in bodies and "110101199003074514" not in bodies and "4514" not in bodies
    assert {r["json"]["data"]["order"]["guest_name"] for r in receiver.requests} == {"王**"}


def test_repeated_failure_switches_the_subscription_off_and_a_booking_never_waits(store, rt, tomorrow, settings):
    settings.PMS_WEBHOOK_DISABLE_AFTER = 3
    settings.PMS_WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(answers=[500] * 10) as receiver:
        sub = services.subscription_create(store=store, url=receiver.url)
        _book(store, rt, tomorrow)
        _book(store, rt, tomorrow + timedelta(days=3))
        _run_all(services.webhooks_pump())
    sub.refresh_from_db()
    assert (sub.is_active, sub.consecutive_failures, sub.disabled_reason) == (False, 3, "3 failed attempts in a row")
    assert len(receiver.requests) == 3
    # the first order's two events: the first given up after 2 attempts, the second tried once before the switch-off
    statuses = list(WebhookDelivery.objects.filter(subscription=sub).order_by("event_id").values_list("status", "attempts"))
    assert statuses[:2] == [("failed", 2), ("pending", 1)]
    assert Order.objects.filter(store=store, status="confirmed").count() == 2


def test_a_manager_resends_a_delivery_and_reads_the_log(store, rt, tomorrow, api):
    manager = api("alpha", "manager_a1", language="en")
    base = f"/t/alpha/api/v1/stores/{store.pk}/webhooks/"
    with Receiver() as receiver:
        created = manager.post(base, {"url": receiver.url, "event_types": ["order.created"]}, format="json")
        assert created.status_code == 201, created.json()
        sub_id, receiver.secret = created.json()["id"], created.json()["secret"]
        order = _book(store, rt, tomorrow)
        _run_all(services.webhooks_pump())
        [delivery] = manager.get(f"{base}{sub_id}/deliveries/").json()
        assert (delivery["status"], delivery["order_id"], [a["status_code"] for a in delivery["attempt_log"]]) == (
            "delivered", order.pk, [200])
        assert "secret" not in manager.get(f"{base}{sub_id}/").json()
        # when: sent again by hand
        resent = manager.post(f"{base}{sub_id}/deliveries/{delivery['id']}/resend/")
        assert resent.status_code == 202 and resent.json()["status"] == "pending"
        _run_all({(sub_id, order.pk)})
    assert [r["json"]["id"] for r in receiver.requests] == [delivery["payload"]["id"]] * 2
    assert all(r["signed"] for r in receiver.requests)
    assert api("alpha", "clerk_a1", language="en").get(base).status_code == 403


# --- outbound URL guard (SSRF) ----------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.0.0.5/hook", "http://192.168.1.1/hook",
    "http://172.16.0.1/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://[fe80::1]/hook",
    "http://0.0.0.0/hook", "http://[::ffff:127.0.0.1]/hook", "ftp://example.com/hook", "http://user:pw@example.com/hook",
])
def test_loopback_private_link_local_and_odd_urls_are_refused(store, settings, url):
    settings.PMS_OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(DomainValidationError) as exc:
        services.subscription_create(store=store, url=url)
    assert exc.value.code == "webhook_url_not_allowed"
    assert WebhookSubscription.objects.count() == 0


def test_the_api_refuses_a_private_url_with_the_code(store, api, settings):
    settings.PMS_OUTBOUND_ALLOWED_HOSTS = []
    response = api("alpha", "manager_a1", language="en").post(
        f"/t/alpha/api/v1/stores/{store.pk}/webhooks/", {"url": "http://10.1.2.3/x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_not_allowed")


def test_a_redirect_is_not_followed_and_counts_as_a_failure(store, rt, tomorrow, settings):
    settings.PMS_WEBHOOK_MAX_ATTEMPTS = 1
    with Receiver(redirect_to="http://169.254.169.254/latest/meta-data/") as receiver:
        sub = services.subscription_create(store=store, url=receiver.url, event_types=["order.created"])
        _book(store, rt, tomorrow)
        _run_all(services.webhooks_pump())
    attempt = WebhookAttempt.objects.get(delivery__subscription=sub)
    assert (attempt.status_code, attempt.error) == (302, "redirect not followed")
    assert WebhookDelivery.objects.get(subscription=sub).status == "failed"
    assert len(receiver.requests) == 1


def test_a_url_that_became_private_is_refused_at_the_attempt(store, rt, tomorrow, settings):
    settings.PMS_WEBHOOK_MAX_ATTEMPTS = 1
    with Receiver() as receiver:
        sub = services.subscription_create(store=store, url=receiver.url, event_types=["order.created"])
        settings.PMS_OUTBOUND_ALLOWED_HOSTS = []
        _book(store, rt, tomorrow)
        _run_all(services.webhooks_pump())
    assert receiver.requests == []
    assert WebhookAttempt.objects.get(delivery__subscription=sub).error == "webhook_url_not_allowed"


def test_public_addresses_pass(settings):
    settings.PMS_OUTBOUND_ALLOWED_HOSTS = []
    assert url_check("https://93.184.216.34/hook", code="x") == "https://93.184.216.34/hook"


# --- order per order under concurrency ------------------------------------------------------------


def test_per_order_order_holds_under_concurrent_changes_and_flaky_answers(committed_tenant, settings):
    # the receiver's 500s go to whichever delivery asks: one could draw many in a row
    settings.PMS_WEBHOOK_MAX_ATTEMPTS = 100
    tenant, store = committed_tenant.tenant, committed_tenant.store
    with Receiver(answers=[500, 200, 500, 500, 200, 500] * 5) as receiver:
        with tenant_context(tenant):
            orders.channel_defaults_ensure(store=store)
            rt, _rooms = room_type_with_rooms(store, 6)
            sub = services.subscription_create(store=store, url=receiver.url)
            receiver.secret = sub.secret
            day = business_date(store=store) + timedelta(days=2)
            booked = [_book(store, rt, day + timedelta(days=i)) for i in range(4)]
        connection.set_schema_to_public()

        def change(order_id, n):
            order = Order.objects.get(pk=order_id)
            for i in range(n):
                orders.order_update(order=order, actor=None, notes=f"change {i}")

        def deliver(_i):
            for _round in range(6):
                _run_all(services.webhooks_pump())

        # when: four orders changed five times each while three workers pump and deliver
        results = run_concurrently(lambda fn, *a: fn(*a),
                                   [(change, o.pk, 5) for o in booked] + [(deliver, i) for i in range(3)], tenant=tenant)
        assert [r for r in results if isinstance(r, BaseException)] == []
        with tenant_context(tenant):
            for _round in range(10):
                _run_all(services.webhooks_pump())
            deliveries = list(WebhookDelivery.objects.filter(subscription=sub).values_list("order_id", "event_id", "status"))
            log = list(WebhookAttempt.objects.filter(delivery__subscription=sub, status_code__isnull=True).values_list("error", flat=True))
        connection.set_schema_to_public()
    assert log == []
    # then: every event delivered once, and per order no event was ever posted before an
    # earlier one was delivered (the posts of an order, retries included, never go back)
    assert len(deliveries) == 4 * 7  # created, confirmed, five edits
    assert {s for _o, _e, s in deliveries} == {"delivered"}
    assert all(r["signed"] for r in receiver.requests)
    posted: dict[int, list[int]] = {}
    for r in receiver.requests:
        posted.setdefault(r["json"]["data"]["order"]["id"], []).append(int(r["json"]["id"][4:]))
    assert sorted(posted) == sorted(o.pk for o in booked)
    for order_id, event_ids in posted.items():
        assert event_ids == sorted(event_ids), order_id
    delivered = [int(r["json"]["id"][4:]) for r in receiver.requests if r["status"] == 200]
    assert len(delivered) == len(set(delivered)) == 28
