"""Forms of the back office: they parse and show; the owners' services decide."""
from __future__ import annotations

import json
from datetime import datetime, time
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.folios.models import ExtraChargeItem, PaymentMethod
from apps.orders.models import CancellationPolicy, Channel
from apps.tenancy.models import Setting, StaffProfile

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
SLUG_INVALID = _("Use Latin letters, digits, - and _ only.")
CURRENCIES = [("CNY", _("Chinese yuan (CNY)")), ("HKD", _("Hong Kong dollar (HKD)")), ("MOP", _("Macanese pataca (MOP)")),
              ("TWD", _("New Taiwan dollar (TWD)")), ("USD", _("US dollar (USD)"))]


class StoreChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


# --- staff ------------------------------------------------------------------------------


class StaffForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    role = forms.ChoiceField(label=_("Role"))
    stores = StoreChoiceField(label=_("Stores"), queryset=None, required=False)

    def __init__(self, *args, stores, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = stores
        self.fields["role"].choices = [(r, StaffProfile.Role(r).label) for r in roles]


class StaffAddForm(StaffForm):
    username = forms.CharField(label=_("User name"), max_length=150, help_text=_("What the employee types to log in."))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=True), min_length=1,
                               help_text=_("At least 8 characters; tell it to the employee."))
    field_order = ["username", "display_name", "phone", "password", "role", "stores"]


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(render_value=True),
                               help_text=_("At least 8 characters. The employee is signed out everywhere."))


# --- stores -----------------------------------------------------------------------------


class StoreCreateForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Letters, digits and - only, e.g. lijiang-2."),
                           error_messages={"invalid": SLUG_INVALID})
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class TenantForm(forms.Form):
    tenant_name = forms.CharField(label=_("Business name"), max_length=200)


class StoreProfileForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    logo = forms.FileField(label=_("Logo"), required=False, help_text=_("PNG, JPEG or WebP, at most 2 MB; resized to 512 px."),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)
    check_in_time = forms.TimeField(label=_("Check-in from"), widget=TIME)
    check_out_time = forms.TimeField(label=_("Check-out by"), widget=TIME)
    audit_time = forms.TimeField(label=_("Night audit at"), widget=TIME,
                                 help_text=_("Before noon: the next morning (04:00 closes yesterday)."))
    default_deposit = forms.DecimalField(label=_("Default deposit"), min_value=Decimal(0), max_value=Decimal("100000"),
                                         decimal_places=2, max_digits=10)
    booking_horizon_days = forms.IntegerField(label=_("Bookable up to (days ahead)"), min_value=1, max_value=3650)
    free_cancel_hours = forms.IntegerField(label=_("Free cancellation until (hours before check-in)"), min_value=0, max_value=720)
    cancel_fee = forms.ChoiceField(label=_("Late cancellation fee"), choices=CancellationPolicy.CancelFee.choices)
    cancel_fee_percent = forms.DecimalField(label=_("Percentage of the stay"), min_value=0, max_value=100, decimal_places=2)
    no_show_fee = forms.ChoiceField(label=_("No-show fee"), choices=CancellationPolicy.NoShowFee.choices)
    pending_expiry_minutes = forms.IntegerField(label=_("Cancel unconfirmed orders after (minutes, 0: never)"),
                                                min_value=0, max_value=43200)


# --- room types and rooms ----------------------------------------------------------------


class RoomTypeForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=255)
    default_price = forms.DecimalField(label=_("Default price"), max_digits=10, decimal_places=2)
    capacity = forms.IntegerField(label=_("Max guests"), min_value=1, max_value=50, initial=2)
    amenities = forms.CharField(label=_("Amenities"), required=False, max_length=1000,
                                help_text=_("Separated by commas, e.g. 空调, 独立卫浴, 观景阳台."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=32767, initial=0)
    image = forms.FileField(label=_("Add an image"), required=False, help_text=_("PNG, JPEG or WebP, at most 5 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))

    def clean_amenities(self):
        text = self.cleaned_data["amenities"].replace("，", ",").replace("、", ",")
        return [a.strip() for a in text.split(",") if a.strip()]


class RoomForm(forms.Form):
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=None)
    number = forms.CharField(label=_("Room number"), max_length=50)
    floor = forms.CharField(label=_("Floor"), max_length=50, required=False)
    description = forms.CharField(label=_("Description"), required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args, room_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].queryset = room_types


class RoomBulkForm(forms.Form):
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=None)
    first = forms.IntegerField(label=_("From number"), min_value=1, max_value=999999)
    last = forms.IntegerField(label=_("To number"), min_value=1, max_value=999999)
    prefix = forms.CharField(label=_("Prefix"), max_length=10, required=False, help_text=_("e.g. A for A101."))
    floor = forms.CharField(label=_("Floor"), max_length=50, required=False)

    MAX_ROOMS = 200

    def __init__(self, *args, room_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].queryset = room_types

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first is not None and last is not None:
            if last < first:
                self.add_error("last", _("Must not be below the first number."))
            elif last - first + 1 > self.MAX_ROOMS:
                self.add_error("last", _("At most %(n)d rooms at once.") % {"n": self.MAX_ROOMS})
        return data

    def numbers(self) -> list[str]:
        d = self.cleaned_data
        return [f"{d['prefix'].strip()}{n}" for n in range(d["first"], d["last"] + 1)]


# --- payment methods, extra items, channels ---------------------------------------------


class PaymentMethodForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    method_type = forms.ChoiceField(label=_("Type"), choices=PaymentMethod.Type.choices)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=32767, initial=0)


class ExtraItemForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=255)
    default_price = forms.DecimalField(label=_("Default price"), max_digits=10, decimal_places=2, min_value=Decimal(0),
                                       max_value=Decimal("1000000"))
    category = forms.ChoiceField(label=_("Category"), choices=ExtraChargeItem.Category.choices)
    description = forms.CharField(label=_("Description"), required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=32767, initial=0)


class ChannelForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("The name external systems use, e.g. ctrip."),
                           error_messages={"invalid": SLUG_INVALID})
    channel_type = forms.ChoiceField(label=_("Type"), choices=Channel.Type.choices)
    description = forms.CharField(label=_("Description"), required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=32767, initial=0)


# --- typed settings (pms_tenant_settings; pms_mp_settings as the group "mp") ---------------


class SettingForm(forms.Form):
    """One setting's value, checked against its type before the service sees it."""

    group = forms.SlugField(label=_("Group"), max_length=100, error_messages={"invalid": SLUG_INVALID})
    key = forms.SlugField(label=_("Key"), max_length=100, error_messages={"invalid": SLUG_INVALID})
    value_type = forms.ChoiceField(label=_("Type"), choices=Setting.ValueType.choices)
    value = forms.CharField(label=_("Value"), required=False, max_length=10000)
    all_stores = forms.BooleanField(label=_("For all stores"), required=False)

    def __init__(self, *args, may_set_tenant_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_set_tenant_wide:
            del self.fields["all_stores"]

    def clean(self):
        data = super().clean()
        kind, value = data.get("value_type"), (data.get("value") or "").strip()
        if kind is None:
            return data
        try:
            if kind == Setting.ValueType.INT:
                value = str(int(value))
            elif kind == Setting.ValueType.DECIMAL:
                value = str(Decimal(value))
                if not Decimal(value).is_finite():
                    raise ValueError
            elif kind == Setting.ValueType.BOOL:
                if value.lower() not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
                    raise ValueError
                value = "true" if value.lower() in {"true", "1", "yes", "on"} else "false"
            elif kind == Setting.ValueType.TIME:
                value = _time_of_day(value).strftime("%H:%M")
            elif kind == Setting.ValueType.JSON:
                value = json.dumps(json.loads(value), ensure_ascii=False)
        except (ValueError, ArithmeticError, TypeError):
            self.add_error("value", VALUE_MESSAGES[kind])
        data["value"] = value
        return data


def _time_of_day(text: str) -> time:
    """14:00, 9:30 or 14:00:00."""
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(text)


VALUE_MESSAGES = {
    Setting.ValueType.INT: _("Enter a whole number."),
    Setting.ValueType.DECIMAL: _("Enter a number."),
    Setting.ValueType.BOOL: _("Enter true or false."),
    Setting.ValueType.TIME: _("Enter a time of day, e.g. 14:00."),
    Setting.ValueType.JSON: _("Enter valid JSON, e.g. [\"sms\", \"email\"]."),
    Setting.ValueType.STRING: "",
}
