"""Forms of the rooms back-office pages (parse and validate input; services decide)."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError
from apps.rooms.models import Room, RoomLock

GRID_DAYS = (7, 14, 31)
GRID_GROUPS = (("type", _("Room type")), ("floor", _("Floor")))


def add_domain_error(form: forms.Form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: its field errors on those fields, else at the top."""
    placed = False
    for name, messages in ((exc.extra or {}).get("fields") or {}).items():
        target = (field_map or {}).get(name, name)
        if target in form.fields:
            for message in messages:
                form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class GridQueryForm(forms.Form):
    """The grid's window and grouping, from the query string (bad values fall back to defaults)."""

    start = forms.DateField(required=False, label=_("From"), widget=DateInput())
    days = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=14, label=_("Days"),
        choices=[(d, _("%(days)d days") % {"days": d}) for d in GRID_DAYS],
    )
    group = forms.ChoiceField(required=False, choices=GRID_GROUPS, label=_("Group by"))

    def window(self, *, today):
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today
        days = data.get("days") or 14
        group = data.get("group") or "type"
        return start, days, group


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
