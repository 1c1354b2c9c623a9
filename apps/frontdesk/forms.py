"""Forms of the front desk's pages (parse and validate input; services decide)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.forms import DateInput
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


class CheckInForm(forms.Form):
    """Room and each guest's document. Guests already on file with a document may keep it."""

    room = forms.TypedChoiceField(label=_("Room"), coerce=int, empty_value=None)

    def __init__(self, *args, rooms=(), guests=(), id_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = room_choices(rooms)
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
