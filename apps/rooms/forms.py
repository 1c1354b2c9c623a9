"""Forms of the rooms back-office pages (parse and validate input; services decide)."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.forms import DateInput
from apps.rooms.models import Room, RoomLock


class RoomLockForm(forms.Form):
    lock_type = forms.ChoiceField(label=_("Lock type"), choices=RoomLock.LockType.choices, initial=RoomLock.LockType.MAINTENANCE)
    start_date = forms.DateField(label=_("First night"), widget=DateInput())
    end_date = forms.DateField(label=_("Until (morning of)"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("Must be after the first night."))
        return data

    @classmethod
    def initial_for(cls, *, today):
        return {"start_date": today, "end_date": today + timedelta(days=1), "lock_type": RoomLock.LockType.MAINTENANCE}


class HousekeepingForm(forms.Form):
    status = forms.ChoiceField(choices=Room.Housekeeping.choices)


def room_choices(rooms) -> list:
    """Rooms grouped by type for a <select> (optgroups)."""
    groups: dict[str, list] = {}
    for room in rooms:
        groups.setdefault(room.room_type.name, []).append((str(room.pk), f"{room.number}"))
    return [("", "—")] + [(name, options) for name, options in groups.items()]
