"""The daily task: points past their day expire, once, in every tenant."""
from datetime import timedelta

from django.utils import timezone

from apps.members.models import PointsEntry
from apps.members.tasks import members_daily
from apps.members.tests.factories import member_stay
from apps.orders.models import Order


def test_members_daily_expires_points_once(member, store, rt):
    order = member_stay(store, member, room_type=rt, room=rt.rooms_list[0], status=Order.Status.CONFIRMED)
    PointsEntry.objects.create(member=member, store=store, kind="earn", points=300, order=order,
                               expires_on=timezone.localdate() - timedelta(days=1))
    totals = members_daily()
    assert totals["expired_points"] == 300
    member.refresh_from_db()
    assert member.points == 0
    assert list(PointsEntry.objects.filter(member=member).values_list("kind", "points")) == [("earn", 300), ("expire", -300)]
    assert members_daily()["expired_points"] == 0  # the slot is taken: nothing runs twice
