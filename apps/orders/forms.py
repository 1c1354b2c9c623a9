"""Forms of the orders back-office pages. They parse and check the shape of the input;
the services decide (their refusals are shown on the form with ``add_domain_error``)."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError
from apps.common.forms import DateInput
from apps.common.forms import add_domain_error as common_add_domain_error
from apps.contacts.documents import validate_document
from apps.contacts.phones import normalize_phone
from apps.orders.models import Order
from apps.rooms.forms import room_choices

Status = Order.Status

# Service field names -> form field names (contacts say "phone", the form "guest_phone").
FIELD_MAP = {
    "full_name": "guest_name", "phone": "guest_phone", "room_type": "room_type", "room": "room",
    "arrival": "arrival", "departure": "departure", "adults": "adults", "children": "children",
    "channel": "channel", "id_number": "id_number", "id_type": "id_type", "reason": "reason",
}


def add_domain_error(form: forms.Form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """``apps.common.forms.add_domain_error`` with the order pages' field names."""
    common_add_domain_error(form, exc, {**FIELD_MAP, **(field_map or {})})


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class OrderFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("Order number, guest name, reference, or a guest's whole phone or document number"), "data-search": "",
        "autocomplete": "off",
    }))
    status = forms.ChoiceField(required=False, label=_("Status"))
    arrival_from = forms.DateField(required=False, label=_("Arrival from"), widget=DateInput())
    arrival_to = forms.DateField(required=False, label=_("Arrival to"), widget=DateInput())
    channel = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Channel"))
    conflicts = forms.BooleanField(required=False, label=_("Needs attention only"))

    ACTIVE = "active"

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), (self.ACTIVE, _("Open (not closed)")), *Status.choices]
        self.fields["channel"].choices = [("", _("All"))] + [(c.pk, c.name) for c in channels]

    def to_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        filters: dict = {}
        if data.get("q"):
            filters["q"] = data["q"]
        if data.get("status") == self.ACTIVE:
            filters["status"] = sorted(Order.ACTIVE)
        elif data.get("status"):
            filters["status"] = [data["status"]]
        for key in ("arrival_from", "arrival_to"):
            if data.get(key):
                filters[key] = data[key]
        if data.get("channel"):
            filters["channel_id"] = data["channel"]
        if data.get("conflicts"):
            filters["is_conflict"] = True
        return filters


class OrderCreateForm(forms.Form):
    """A reservation or a walk-in, with its first guest (who is also the booker)."""

    KIND_RESERVATION, KIND_WALK_IN = "reservation", "walk_in"

    kind = forms.ChoiceField(
        label=_("Kind"), widget=forms.RadioSelect, initial=KIND_RESERVATION,
        choices=[(KIND_RESERVATION, _("Reservation")), (KIND_WALK_IN, _("Walk-in (check in now)"))],
    )
    room_type = forms.TypedChoiceField(label=_("Room type"), coerce=int, empty_value=None, required=False)
    room = forms.TypedChoiceField(label=_("Room"), coerce=int, empty_value=None, required=False,
                                  help_text=_("Optional for a reservation; a walk-in needs one."))
    arrival = forms.DateField(label=_("Arrival"), widget=DateInput(), required=False)
    departure = forms.DateField(label=_("Departure"), widget=DateInput())
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=20, initial=1)
    children = forms.IntegerField(label=_("Children"), min_value=0, max_value=20, initial=0)
    channel = forms.TypedChoiceField(label=_("Channel"), coerce=int, empty_value=None, required=False)
    guest_name = forms.CharField(label=_("Guest name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}))
    guest_phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                                  widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    id_type = forms.ChoiceField(label=_("Document type"), required=False)
    id_number = forms.CharField(label=_("Document number"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    estimated_arrival_time = forms.TimeField(label=_("Expected at"), required=False, widget=TimeInput())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=Order.NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("Confirm now (hold the room)"), required=False, initial=True)

    def __init__(self, *args, room_types=(), rooms=(), channels=(), id_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = [("", "—")] + [(t.pk, t.name) for t in room_types]
        self.fields["room"].choices = room_choices(rooms)
        self.fields["channel"].choices = [("", _("Default"))] + [(c.pk, c.name) for c in channels]
        self.fields["id_type"].choices = [("", "—"), *id_types]

    def clean(self):
        data = super().clean()
        walk_in = data.get("kind") == self.KIND_WALK_IN
        if not data.get("room_type") and not data.get("room"):
            self.add_error("room_type", _("Choose a room type or a room."))
        if walk_in:
            if not data.get("room"):
                self.add_error("room", _("A walk-in checks in now: choose the room."))
            if not data.get("id_number"):
                self.add_error("id_number", _("Register the guest's document to check in."))
        elif not data.get("arrival"):
            self.add_error("arrival", _("This field is required."))
        arrival, departure = data.get("arrival"), data.get("departure")
        if not walk_in and arrival and departure and departure <= arrival:
            self.add_error("departure", _("Departure must be after arrival."))
        if data.get("id_number") and not data.get("id_type"):
            data["id_type"] = "resident_id"
        # Every bad number at once (a bad document must not hide a bad phone): the same
        # checks the contacts' services make when the order is saved.
        if data.get("guest_phone"):
            try:
                normalize_phone(data["guest_phone"])
            except DomainError as exc:
                self.add_error("guest_phone", exc.message)
        if data.get("id_number"):
            try:
                validate_document(id_type=data["id_type"], id_number=data["id_number"])
            except DomainError as exc:
                self.add_error("id_number", exc.message)
        return data

    @classmethod
    def initial_from(cls, params, *, today) -> dict:
        """Pre-fill from the grid (room, arrival) or the nav (kind=walk_in)."""
        initial = {"kind": cls.KIND_WALK_IN if params.get("kind") == cls.KIND_WALK_IN else cls.KIND_RESERVATION,
                   "adults": 1, "children": 0, "confirm": True}
        arrival = _parse_date(params.get("arrival")) or today
        initial["arrival"] = arrival
        initial["departure"] = _parse_date(params.get("departure")) or arrival + timedelta(days=1)
        for key in ("room", "room_type"):
            if _is_id(params.get(key) or ""):
                initial[key] = int(params[key])
        return initial


def _parse_date(value):
    from django.utils.dateparse import parse_date

    try:
        return parse_date(value or "")
    except ValueError:
        return None


class OrderEditForm(forms.Form):
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=20)
    children = forms.IntegerField(label=_("Children"), min_value=0, max_value=20)
    estimated_arrival_time = forms.TimeField(label=_("Expected at"), required=False, widget=TimeInput())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=Order.NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class StayChangeForm(forms.Form):
    """Dates, room type and room (before arrival); in the house, the room only."""

    arrival = forms.DateField(label=_("Arrival"), widget=DateInput())
    departure = forms.DateField(label=_("Departure"), widget=DateInput())
    room_type = forms.TypedChoiceField(label=_("Room type"), coerce=int, empty_value=None)
    room = forms.TypedChoiceField(label=_("Room"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, room_types=(), rooms=(), in_house=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = [(t.pk, t.name) for t in room_types]
        self.fields["room"].choices = room_choices(rooms)
        self.in_house = in_house
        if in_house:
            for name in ("arrival", "departure", "room_type"):
                del self.fields[name]
            self.fields["room"].required = True

    def clean(self):
        data = super().clean()
        if not self.in_house and data.get("arrival") and data.get("departure") and data["departure"] <= data["arrival"]:
            self.add_error("departure", _("Departure must be after arrival."))
        return data


class MoveForm(forms.Form):
    """A drag on the grid: the stay goes to ``room`` from ``arrival`` (same number of nights)."""

    room = forms.IntegerField(min_value=1)
    arrival = forms.DateField(required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class ExtendForm(forms.Form):
    departure = forms.DateField(label=_("New departure"), widget=DateInput())


class GuestAddForm(forms.Form):
    """One more staying guest on the order page (a companion at the desk)."""

    guest_name = forms.CharField(label=_("Guest name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    guest_phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                                  widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    id_type = forms.ChoiceField(label=_("Document type"), required=False)
    id_number = forms.CharField(label=_("Document number"), max_length=40, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, id_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_type"].choices = [("", "—"), *id_types]

    def clean(self):
        data = super().clean()
        if data.get("id_number") and not data.get("id_type"):
            data["id_type"] = "resident_id"
        return data


def _is_id(value: str) -> bool:
    """A row id in a query string: ASCII digits ("³".isdigit() is true too), at most a bigint's."""
    return value.isascii() and value.isdigit() and len(value) <= 18
