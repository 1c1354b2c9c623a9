"""Forms of the front desk's pages (parse and validate input; services decide)."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.forms import DateInput
from apps.frontdesk.services import MoneyIn
from apps.orders.forms import OrderCreateForm
from apps.rooms.forms import room_choices

GRID_DAYS = (7, 14, 31)
GRID_GROUPS = (("type", _("Room type")), ("floor", _("Floor")))


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


def desk_money_from(cleaned: dict, methods: dict, prefix: str) -> MoneyIn | None:
    """The ``MoneyIn`` of a form's cleaned data under ``prefix`` (pay / deposit), or None."""
    amount = cleaned.get(f"{prefix}_amount")
    if not amount:
        return None
    return MoneyIn(amount=amount, payment_method=methods.get(cleaned.get(f"{prefix}_method")),
                   reference=(cleaned.get(f"{prefix}_reference") or "").strip())


class DeskMoneyFields:
    """A payment and a deposit (押金) taken at the desk in the same action as a booking or a
    check-in: each an amount, a method and the payment provider's reference; empty amounts
    take nothing."""

    def add_money_fields(self, methods) -> None:
        choices = [(m.pk, m.name) for m in methods]
        for prefix, label in (("pay", _("Payment now")), ("deposit", _("Deposit (押金)"))):
            self.fields[f"{prefix}_amount"] = forms.DecimalField(
                label=label, required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "data-testid": f"{prefix}-amount"}),
            )
            self.fields[f"{prefix}_method"] = forms.TypedChoiceField(
                label=_("Method"), choices=choices, coerce=int, required=False,
                widget=forms.Select(attrs={"data-testid": f"{prefix}-method"}),
            )
            self.fields[f"{prefix}_reference"] = forms.CharField(
                label=_("Reference"), max_length=255, required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": f"{prefix}-reference"}),
            )
        self.methods = {m.pk: m for m in methods}

    def money_rows(self):
        return [[self[f"{prefix}_{name}"] for name in ("amount", "method", "reference")] for prefix in ("pay", "deposit")]

    def money(self, prefix: str):
        """The ``MoneyIn`` typed under ``prefix`` (pay / deposit), or None."""
        return desk_money_from(self.cleaned_data, self.methods, prefix)

    def clean_money(self) -> None:
        for prefix in ("pay", "deposit"):
            if self.cleaned_data.get(f"{prefix}_amount") and self.cleaned_data.get(f"{prefix}_method") not in self.methods:
                self.add_error(f"{prefix}_method", _("Choose how the money was paid."))


DIRTY = ("dirty", "cleaning")


def desk_room_choices(rooms, taken: dict[int, str], room_type_id=None) -> list:
    """The desk's room picker: the rooms free for the stay first (the order's own type
    first among them), each marked 净 / 脏 (clean, dirty) or 维修 (locked), then the
    rooms taken by another stay (占用), as optgroups."""
    marks = {"clean": _("clean"), "inspected": _("clean"), "dirty": _("dirty"), "cleaning": _("dirty")}
    free, busy = [], []
    for room in rooms:
        state = taken.get(room.pk)
        mark = _("maintenance") if state == "lock" else _("occupied") if state == "stay" else marks.get(room.housekeeping, "")
        option = (str(room.pk), f"{room.number} · {mark} · {room.room_type.name}")
        (busy if state else free).append((room.room_type_id != room_type_id, room.housekeeping in DIRTY, room.number, option))
    free.sort(key=lambda r: r[:3])
    busy.sort(key=lambda r: r[:3])
    return [("", "—"), (_("Free for the stay"), [r[3] for r in free]), (_("Taken"), [r[3] for r in busy])]


class CheckInForm(DeskMoneyFields, forms.Form):
    """Room, each guest's document (guests already on file with a document may keep it),
    and the money handed over now: a payment and a deposit."""

    room = forms.TypedChoiceField(label=_("Room"), coerce=int, empty_value=None)

    def __init__(self, *args, rooms=(), guests=(), id_types=(), methods=(), taken=None, room_type_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = room_choices(rooms) if taken is None else desk_room_choices(rooms, taken, room_type_id)
        self.dirty_rooms = [r.pk for r in rooms if r.housekeeping in DIRTY]
        self.guests = list(guests)
        for contact in self.guests:
            has_document = bool(contact.id_type)
            self.fields[f"g{contact.pk}_id_type"] = forms.ChoiceField(
                label=_("Document type"), choices=[("", "—"), *id_types], required=False,
                initial=contact.id_type or "resident_id",
            )
            self.fields[f"g{contact.pk}_id_number"] = forms.CharField(
                label=_("Document number"), max_length=40, required=not has_document,
                help_text=_("On file: %(masked)s. Leave empty to keep it.") % {"masked": contact.id_number_masked} if has_document else "",
                widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": f"doc-{contact.pk}"}),
            )

        self.add_money_fields(methods)

    def clean(self):
        cleaned = super().clean()
        self.clean_money()
        return cleaned

    def guest_rows(self):
        return [(c, self[f"g{c.pk}_id_type"], self[f"g{c.pk}_id_number"]) for c in self.guests]

    def documents(self) -> list[tuple]:
        """(contact, id_type, id_number) for each guest whose document was typed."""
        rows = []
        for contact in self.guests:
            number = (self.cleaned_data.get(f"g{contact.pk}_id_number") or "").strip()
            if number:
                rows.append((contact, self.cleaned_data.get(f"g{contact.pk}_id_type") or "resident_id", number))
        return rows


class BookingForm(DeskMoneyFields, OrderCreateForm):
    """A reservation or a walk-in (orders' form) and the money handed over with it: a
    prepayment and a deposit."""

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_money_fields(methods)

    def clean(self):
        cleaned = super().clean()
        self.clean_money()
        return cleaned
