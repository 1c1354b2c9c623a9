"""Forms of the front desk's pages (parse and validate input; services decide)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.forms import DateInput

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
