"""Notifications from the order outbox, once per event and channel; sending, retries,
templates, reminders."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.common.errors import DomainError, DomainValidationError
from apps.notifications import services, tasks
from apps.notifications.channels import ChannelError, DevSmsChannel, PermanentChannelError
from apps.notifications.models import Notification, NotificationTemplate
from apps.notifications.services import (
    arrival_reminders_queue,
    backoff_seconds,
    notification_send,
    order_events_publish,
    template_set,
)
from apps.notifications.tests.conftest import PHONE, book
from apps.orders import services as order_services
from apps.orders.models import OrderEvent
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Setting

Status = Notification.Status


def test_confirmed_order_is_notified_once_per_channel(store, rt, outbox, django_capture_on_commit_callbacks):
    order = book(store, rt)

    with django_capture_on_commit_callbacks(execute=True):
        published = order_events_publish()

    assert published == 2  # created + confirmed; only "confirmed" is notified
    rows = list(Notification.objects.filter(order=order).order_by("channel").values_list("event", "channel", "status"))
    assert rows == [("order_confirmed", "email", "sent"), ("order_confirmed", "sms", "sent")]
    assert not OrderEvent.objects.filter(order=order, published_at__isnull=True).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["guest@example.com"]
    assert mail.outbox[0].subject == f"Alpha One：预订已确认（{order.code}）"
    assert "山景大床房" in mail.outbox[0].body and "王小明" in mail.outbox[0].body
    sms = outbox()
    assert len(sms) == 1 and sms[0]["channel"] == "sms" and sms[0]["to"] == "138****5678"
    assert PHONE not in str(sms) and "王小明" not in str(sms)  # no personal data in the log

    # publishing and sending again changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert order_events_publish() == 0
    for n in Notification.objects.filter(order=order):
        assert notification_send(notification_id=n.pk) is None
    assert len(mail.outbox) == 1 and len(outbox()) == 1


def test_the_commit_of_a_confirmation_publishes_and_sends(store, rt, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # orders' outbox subscriber runs on commit
        order = book(store, rt)

    assert set(Notification.objects.filter(order=order).values_list("channel", "status")) == {("email", "sent"), ("sms", "sent")}
    assert not OrderEvent.objects.filter(order=order, published_at__isnull=True).exists()
    assert len(outbox()) == 1


def test_changes_that_are_not_notified_do_not_kick(store, rt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = book(store, rt, confirm=False)  # pending: nothing to say yet
    assert OrderEvent.objects.filter(order=order, published_at__isnull=True).count() == 1
    assert not Notification.objects.exists()


def test_cancelled_and_checked_out_are_notified(store, rt, outbox, django_capture_on_commit_callbacks):
    order = book(store, rt)
    order_services.order_cancel(order=order, actor=None, reason="plans changed")

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()

    events = sorted(Notification.objects.filter(order=order, channel="email").values_list("event", flat=True))
    assert events == ["order_cancelled", "order_confirmed"]
    assert {m.subject.split("：")[1] for m in mail.outbox} == {f"预订已确认（{order.code}）", f"预订已取消（{order.code}）"}


def test_the_unique_key_refuses_a_second_copy(store, rt):
    order = book(store, rt)
    order_events_publish()
    n = Notification.objects.filter(order=order, channel="sms").get()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(store=store, order=order, order_event_id=n.order_event_id, event=n.event, channel="sms",
                                    language="zh-hans", next_attempt_at=timezone.now())


def test_store_channels_and_events_settings(store, rt, django_capture_on_commit_callbacks):
    Setting.objects.create(store=store, group="notify", key="channels", value='["wechat"]', value_type="json")
    Setting.objects.create(group="notify", key="events", value='["order_cancelled"]', value_type="json")
    order = book(store, rt)
    order_services.order_cancel(order=order, actor=None, reason="x")

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()

    assert list(Notification.objects.filter(order=order).values_list("event", "channel", "status", "recipient_masked")) == [
        ("order_cancelled", "wechat", "sent", "dev-op***")
    ]


def test_no_address_is_skipped(store, rt, django_capture_on_commit_callbacks):
    order = book(store, rt, email="")

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()

    email = Notification.objects.get(order=order, channel="email")
    assert (email.status, email.last_error, email.attempts) == ("skipped", "no_address", 0)
    assert not mail.outbox


class FlakyChannel(DevSmsChannel):
    """Fails ``failures`` times, then sends; records the row's next_attempt_at seen by each attempt."""

    code = "flaky"
    failures = 2
    calls: list = []

    def send(self, *, address, subject, body, notification_id):
        row = Notification.objects.get(pk=notification_id)
        FlakyChannel.calls.append((timezone.now(), row.next_attempt_at, row.attempts))
        if len(FlakyChannel.calls) <= FlakyChannel.failures:
            raise ChannelError("provider busy")
        return super().send(address=address, subject=subject, body=body, notification_id=notification_id)


class RefusingChannel(DevSmsChannel):
    code = "refusing"

    def send(self, **kwargs):
        raise PermanentChannelError("invalid number")


@pytest.fixture
def flaky(settings, store):
    settings.PMS_NOTIFICATION_CHANNELS = {
        **settings.PMS_NOTIFICATION_CHANNELS,
        "flaky": "apps.notifications.tests.test_services.FlakyChannel",
        "refusing": "apps.notifications.tests.test_services.RefusingChannel",
    }
    FlakyChannel.calls = []
    FlakyChannel.failures = 2
    return FlakyChannel


def test_backoff():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 7, 20)] == [60, 120, 240, 480, 3600, 3600]


def test_a_failing_channel_is_retried_with_backoff_then_sent(store, rt, flaky, django_capture_on_commit_callbacks):
    Setting.objects.create(store=store, group="notify", key="channels", value='["flaky"]', value_type="json")
    order = book(store, rt)

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()  # eager: the send task retries at once (the countdown is the worker's business)

    n = Notification.objects.get(order=order)
    assert (n.status, n.attempts, n.last_error) == ("sent", 3, "")
    (t1, _first_due, a1), (t2, due2, a2), (t3, due3, a3) = flaky.calls
    assert (a1, a2, a3) == (0, 1, 2)
    assert abs((due2 - t1).total_seconds() - 60) < 5 and abs((due3 - t2).total_seconds() - 120) < 5


def test_gives_up_after_the_last_attempt(store, rt, flaky, settings, django_capture_on_commit_callbacks):
    settings.PMS_NOTIFICATION_MAX_ATTEMPTS = 3
    flaky.failures = 99
    Setting.objects.create(store=store, group="notify", key="channels", value='["flaky"]', value_type="json")
    order = book(store, rt)

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()

    n = Notification.objects.get(order=order)
    assert (n.status, n.attempts) == ("failed", 3) and "provider busy" in n.last_error
    assert len(flaky.calls) == 3


def test_a_permanent_refusal_is_not_retried(store, rt, flaky, django_capture_on_commit_callbacks):
    Setting.objects.create(store=store, group="notify", key="channels", value='["refusing"]', value_type="json")
    order = book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()
    n = Notification.objects.get(order=order)
    assert (n.status, n.attempts, n.last_error) == ("failed", 1, "invalid number")


def test_manager_retry_of_a_failed_one(store, rt, flaky, django_capture_on_commit_callbacks, world):
    Setting.objects.create(store=store, group="notify", key="channels", value='["refusing"]', value_type="json")
    order = book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()
    n = Notification.objects.get(order=order)
    Setting.objects.filter(store=store, key="channels").update(value='["sms"]')
    n.channel = "sms"
    Notification.objects.filter(pk=n.pk).update(channel="sms")

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_retry(notification=n, actor=world.alpha.users["manager_a1"])

    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 1)
    with pytest.raises(DomainError) as exc:
        services.notification_retry(notification=n, actor=None)
    assert exc.value.code == "notification_not_retryable"


def test_templates_store_then_tenant_then_shipped_and_language(store, rt, world, django_capture_on_commit_callbacks):
    template_set(store=None, event="order_confirmed", channel="email", language="zh-hans",
                 subject="租户：{{ order_code }}", body="租户正文 {{ guest_name }}")
    template_set(store=store, event="order_confirmed", channel="email", language="zh-hans",
                 subject="门店：{{ order_code }}", body="门店正文 {{ guest_name }} {{ nights }}晚")
    local = book(store, rt)
    foreign = book(store, rt, nationality="USA", name="John Smith", email="john@example.com", phone="13900001111")

    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()

    by_to = {m.to[0]: m for m in mail.outbox}
    assert by_to["guest@example.com"].subject == f"门店：{local.code}"
    assert by_to["guest@example.com"].body == "门店正文 王小明 2晚"
    assert by_to["john@example.com"].subject == f"Alpha One: booking confirmed ({foreign.code})"
    assert Notification.objects.get(order=foreign, channel="email").language == "en"


def test_tenant_template_applies_to_other_stores_and_english_store_setting(world, django_capture_on_commit_callbacks, in_alpha):
    a2 = world.alpha.stores["A2"]
    ChannelFactory(store=a2, code="direct", name="Direct", channel_type="direct")
    rt2, _rooms = room_type_with_rooms(a2, 1)
    Setting.objects.create(store=a2, group="notify", key="language", value="en")
    template_set(store=None, event="order_confirmed", channel="email", language="en", subject="Tenant {{ order_code }}", body="b")
    order = book(a2, rt2)
    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()
    assert [m.subject for m in mail.outbox] == [f"Tenant {order.code}"]


def test_invalid_template_is_refused(store):
    with pytest.raises(DomainValidationError) as exc:
        template_set(store=store, event="order_confirmed", channel="email", language="en", subject="x", body="{% if %}")
    assert exc.value.code == "template_invalid"
    with pytest.raises(DomainValidationError) as exc:
        template_set(store=store, event="order_confirmed", channel="fax", language="en", subject="", body="x")
    assert exc.value.code == "channel_unknown"
    assert not NotificationTemplate.objects.exists()


def test_arrival_reminder_once_per_order_date_and_channel(store, rt, outbox, django_capture_on_commit_callbacks):
    tomorrow = business_date(store=store) + timedelta(days=1)
    order = book(store, rt, arrival=tomorrow)
    later = book(store, rt, arrival=tomorrow + timedelta(days=1), phone="13900002222", email="later@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        assert arrival_reminders_queue(store=store, arrival=tomorrow) == 2
        assert arrival_reminders_queue(store=store, arrival=tomorrow) == 0

    rows = Notification.objects.filter(event="arrival_reminder")
    assert sorted(rows.values_list("order_id", "channel", "status")) == [(order.pk, "email", "sent"), (order.pk, "sms", "sent")]
    assert not rows.filter(order=later).exists()
    assert mail.outbox[0].subject == f"Alpha One：明天见（{order.code}）"


def test_a_reminder_no_longer_true_is_skipped(store, rt, django_capture_on_commit_callbacks):
    tomorrow = business_date(store=store) + timedelta(days=1)
    order = book(store, rt, arrival=tomorrow)
    arrival_reminders_queue(store=store, arrival=tomorrow)  # sends would run on commit: not here
    order_services.order_cancel(order=order, actor=None, reason="x")

    for n in Notification.objects.filter(event="arrival_reminder"):
        notification_send(notification_id=n.pk)

    assert set(Notification.objects.filter(event="arrival_reminder").values_list("status", "last_error")) == {
        ("skipped", "no_longer_applies")
    }
    assert not mail.outbox


def test_sweep_publishes_and_requeues_lost_sends(store, rt, world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks, "beat_slot_lock", lambda name, period: True)
    order = book(store, rt)
    order_events_publish()  # rows queued, sends lost (on-commit callbacks never ran)
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep()

    assert result == {"published": 0, "requeued": 2}
    assert set(Notification.objects.filter(order=order).values_list("status", flat=True)) == {"sent"}


def test_arrival_reminder_dispatch_inside_the_window(store, rt, world, monkeypatch, django_capture_on_commit_callbacks):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.setattr(tasks, "beat_slot_lock", lambda name, period: True)

    class Clock:
        at = None

        @staticmethod
        def now():
            return Clock.at

    monkeypatch.setattr(tasks, "timezone", Clock)

    tomorrow = business_date(store=store) + timedelta(days=1)
    book(store, rt, arrival=tomorrow)
    sh = ZoneInfo("Asia/Shanghai")
    Clock.at = datetime.combine(tomorrow - timedelta(days=1), datetime.min.time(), tzinfo=sh).replace(hour=9)
    assert tasks.dispatch_arrival_reminders() == 0  # before 10:00
    Clock.at = Clock.at.replace(hour=22)
    assert tasks.dispatch_arrival_reminders() == 0  # after 21:00
    Clock.at = Clock.at.replace(hour=10, minute=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_arrival_reminders() == 2
