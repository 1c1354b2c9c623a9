"""The back office's pages (docs/backoffice.md, "Settings"): thin. Each page parses a form,
calls the owning app's service, records the change (``change_record``) and redirects; a
refusal shows the form again with what was typed and the reason on its field.

Every page is under ``s/<store_id>/settings/`` and needs ``manage_store`` on that store
(a clerk gets 403, a store of someone else 404); the stores page needs a tenant admin.
"""
from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.backoffice import forms as f
from apps.common.errors import DomainError
from apps.common.forms import add_domain_error
from apps.common.uploads import NAME_RE, image_save, media_response
from apps.folios import selectors as folio_selectors
from apps.folios import services as folio_services
from apps.folios.models import ExtraChargeItem, PaymentMethod
from apps.orders import selectors as order_selectors
from apps.orders import services as order_services
from apps.orders.models import Channel
from apps.orders.services.stay import BOOKING_HORIZON_DAYS
from apps.rooms import selectors as room_selectors
from apps.rooms import services as room_services
from apps.rooms.models import Room, RoomType
from apps.tenancy import selectors as tenancy_selectors
from apps.tenancy import services as tenancy_services
from apps.tenancy.models import Setting, StaffProfile, Store
from apps.tenancy.public.services import tenant_rename
from apps.tenancy.roles import ROLE_DESCRIPTIONS
from apps.tenancy.scope import StoreScopedPageMixin

Role = StaffProfile.Role


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%H:%M")
    if isinstance(value, (list, tuple, set)):
        return "、".join(_text(v) for v in value)
    return str(value)


def _snapshot(values: dict) -> dict:
    return {k: _text(v) for k, v in values.items()}


def _image_url(name: str) -> str | None:
    """The page's URL of an uploaded image; None for anything else a room type's list holds
    (an address typed through the API: the pages' CSP shows only our own images)."""
    return reverse("media", args=[name]) if NAME_RE.match(name or "") else None


class SettingsPage(StoreScopedPageMixin, TemplateView):
    """A back-office page of the store's settings: managers of the store only."""

    manager_only = True
    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["section"] = self.section
        context["is_tenant_admin"] = self.request.user.is_superuser
        return context

    def url(self, name: str, *args) -> str:
        return reverse(name, args=[self.store.pk, *args])

    def record(self, *, area: str, action: str, obj=None, before=None, after=None, label: str = "", store=..., object_id=""):
        tenancy_services.change_record(
            store=self.store if store is ... else store, actor=self.request.user, area=area, obj=obj, object_label=label,
            object_id=object_id,
            action=action, before=_snapshot(before or {}), after=_snapshot(after or {}),
        )

    def refused(self, form, exc: DomainError, field_map=None):
        add_domain_error(form, exc, field_map)
        return self.render_to_response(self.get_context_data(form=form))


class SettingsHomeView(SettingsPage):
    template_name = "backoffice/home.html"


# --- store profile -----------------------------------------------------------------------

STORE_SETTINGS = {
    # form field: (group, key, type)
    "check_out_time": ("policy", "checkout_time", Setting.ValueType.TIME),
    "audit_time": ("audit", "time", Setting.ValueType.TIME),
    "default_deposit": ("folio", "default_deposit", Setting.ValueType.DECIMAL),
    "booking_horizon_days": ("orders", "booking_horizon_days", Setting.ValueType.INT),
}
POLICY_FIELDS = ("check_in_time", "free_cancel_hours", "cancel_fee", "cancel_fee_percent", "no_show_fee", "pending_expiry_minutes")


class StoreProfileView(SettingsPage):
    template_name = "backoffice/store_profile.html"
    section = "profile"

    def current(self) -> dict:
        store = self.store
        policy = order_selectors.cancellation_policy_get(store=store)
        values = {"name": store.name, "address": store.address, "phone": store.phone, "currency": store.currency}
        values.update({name: getattr(policy, name) for name in POLICY_FIELDS})
        defaults = {"check_out_time": time(12, 0), "audit_time": time.fromisoformat(settings.PMS_AUDIT_DEFAULT_TIME),
                    "default_deposit": Decimal("0.00"), "booking_horizon_days": BOOKING_HORIZON_DAYS}
        effective = {(s.group, s.key): s for s in tenancy_selectors.setting_list_effective(store=store)}
        for name, (group, key, kind) in STORE_SETTINGS.items():
            row = effective.get((group, key))
            try:
                values[name] = tenancy_selectors._parse(row.value, kind) if row else defaults[name]
            except (ValueError, ArithmeticError):
                values[name] = defaults[name]
        return values

    GROUPS = (
        (gettext_lazy("The store"), ("name", "address", "phone", "logo", "currency")),
        (gettext_lazy("Times"), ("check_in_time", "check_out_time", "audit_time", "booking_horizon_days")),
        (gettext_lazy("Deposit and cancellation"), ("default_deposit", "free_cancel_hours", "cancel_fee", "cancel_fee_percent",
                                                   "no_show_fee", "pending_expiry_minutes")),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.setdefault("form", f.StoreProfileForm(initial=self.current()))
        context["groups"] = [(title, [form[name] for name in names]) for title, names in self.GROUPS]
        return context

    def post(self, request, *args, **kwargs):
        form = f.StoreProfileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data, before = form.cleaned_data, self.current()
        try:
            with transaction.atomic():
                store_values = {k: data[k] for k in ("name", "address", "phone", "currency")}
                if data.get("logo"):
                    store_values["logo"] = image_save(upload=data["logo"], folder="logos", field="logo",
                                                      max_bytes=2 * 1024 * 1024, max_px=512)
                tenancy_services.store_update(store=self.store, **store_values)
                order_services.cancellation_policy_update(
                    store=self.store, actor=request.user, **{k: data[k] for k in POLICY_FIELDS})
                for name, (group, key, kind) in STORE_SETTINGS.items():
                    value = data[name].strftime("%H:%M") if kind == Setting.ValueType.TIME else str(data[name])
                    tenancy_services.setting_set(store=self.store, group=group, key=key, value=value, value_type=kind)
                after = {k: data[k] for k in before}
                if "logo" in store_values:
                    before["logo"], after["logo"] = _("(old logo)") if self.store.logo else "", _("(new logo)")
                self.record(area="store", action="update", obj=self.store, before=before, after=after)
        except DomainError as exc:
            return self.refused(form, exc)
        messages.success(request, _("The store's profile is saved."))
        return HttpResponseRedirect(self.url("bo-store-profile"))


# --- staff -------------------------------------------------------------------------------


class StaffMixin:
    section = "staff"

    def manageable_stores(self):
        ids = tenancy_selectors.staff_manageable_store_ids(user=self.request.user)
        stores = Store.objects.filter(is_active=True).order_by("id")
        return stores if ids is None else stores.filter(pk__in=ids)

    def roles(self):
        if self.request.user.is_superuser:
            return [Role.TENANT_ADMIN, Role.STORE_MANAGER, Role.FRONT_DESK, Role.HOUSEKEEPING]
        return [Role.STORE_MANAGER, Role.FRONT_DESK, Role.HOUSEKEEPING]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles_explained"] = [(Role(r).label, ROLE_DESCRIPTIONS[r]) for r in Role.values]
        return context


class StaffListView(StaffMixin, SettingsPage):
    template_name = "backoffice/staff_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        staff = tenancy_selectors.staff_list_manageable(user=self.request.user)
        names = dict(Store.objects.values_list("pk", "name"))
        for profile in staff:
            profile.store_names = [names[i] for i in sorted(profile.store_ids) if i in names]
        context["staff"] = staff
        return context


class StaffCreateView(StaffMixin, SettingsPage):
    template_name = "backoffice/staff_form.html"

    def form(self, data=None):
        return f.StaffAddForm(data, stores=self.manageable_stores(), roles=self.roles(),
                              initial={"role": Role.FRONT_DESK, "stores": [self.store]})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        d = form.cleaned_data
        try:
            with transaction.atomic():
                user = tenancy_services.staff_add(
                    username=d["username"], password=d["password"], role=d["role"], stores=d["stores"],
                    display_name=d["display_name"], phone=d["phone"],
                )
                self.record(area="staff", action="create", obj=user, label=d["display_name"] or user.username,
                            after={"username": user.username, "role": Role(d["role"]).label, "stores": [s.name for s in d["stores"]]})
        except DomainError as exc:
            return self.refused(form, exc)
        messages.success(request, _("%(name)s can log in now.") % {"name": d["display_name"] or user.username})
        return HttpResponseRedirect(self.url("bo-staff"))


class StaffEditView(StaffMixin, SettingsPage):
    template_name = "backoffice/staff_edit.html"

    def profile(self):
        profile = tenancy_selectors.staff_get_manageable(user=self.request.user, user_id=self.kwargs["user_id"])
        if profile is None:
            raise Http404
        return profile

    def form(self, profile, data=None):
        initial = {"display_name": profile.display_name, "phone": profile.phone, "role": profile.role,
                   "stores": sorted(profile.store_ids)}
        return f.StaffForm(data, stores=self.manageable_stores(), roles=self.roles(), initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = context.setdefault("profile", self.profile())
        context.setdefault("form", self.form(profile))
        context.setdefault("password_form", f.PasswordForm())
        context["is_self"] = profile.user_id == self.request.user.pk
        return context

    def _summary(self, profile) -> dict:
        names = dict(Store.objects.values_list("pk", "name"))
        return {"display_name": profile.display_name, "role": Role(profile.role).label,
                "stores": [names.get(i, i) for i in sorted(profile.store_ids)]}

    def post(self, request, *args, **kwargs):
        profile = self.profile()
        user = profile.user
        what = request.POST.get("form")
        if what == "password":
            form = f.PasswordForm(request.POST)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        tenancy_services.staff_password_set(user=user, password=form.cleaned_data["password"])
                        self.record(area="staff", action="password", obj=user, label=str(profile))
                except DomainError as exc:
                    add_domain_error(form, exc)
                else:
                    messages.success(request, _("The password of %(name)s is changed.") % {"name": profile})
                    return HttpResponseRedirect(self.url("bo-staff-edit", user.pk))
            return self.render_to_response(self.get_context_data(profile=profile, password_form=form))
        if what in ("deactivate", "activate"):
            if user.pk == request.user.pk:
                messages.error(request, _("You cannot deactivate yourself."))
            else:
                with transaction.atomic():
                    tenancy_services.staff_set_active(user=user, active=what == "activate")
                    self.record(area="staff", action=what, obj=user, label=str(profile),
                                before={"active": not (what == "activate")}, after={"active": what == "activate"})
                messages.success(request, _("%(name)s is deactivated: signed out everywhere.") % {"name": profile}
                                 if what == "deactivate" else _("%(name)s can log in again.") % {"name": profile})
            return HttpResponseRedirect(self.url("bo-staff-edit", user.pk))
        form = self.form(profile, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(profile=profile, form=form))
        d = form.cleaned_data
        if user.pk == request.user.pk and d["role"] != profile.role:
            form.add_error("role", _("You cannot change your own role."))
            return self.render_to_response(self.get_context_data(profile=profile, form=form))
        before = self._summary(profile)
        try:
            with transaction.atomic():
                updated = tenancy_services.staff_update(profile=profile, role=d["role"], stores=d["stores"],
                                                        display_name=d["display_name"], phone=d["phone"])
                updated.store_ids = {s.pk for s in d["stores"]}
                self.record(area="staff", action="update", obj=user, label=d["display_name"] or user.username,
                            before=before, after=self._summary(updated))
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(profile=profile, form=form) | {"form": _with_error(form, exc)})
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.url("bo-staff"))


def _with_error(form, exc):
    add_domain_error(form, exc)
    return form


# --- stores (tenant admins) -------------------------------------------------------------


class TenantAdminOnly:
    def get(self, request, *args, **kwargs):
        self._admin_only()
        return super().get(request, *args, **kwargs)

    def _admin_only(self):
        if not self.request.user.is_superuser:
            raise PermissionDenied(_("Only a tenant admin can do this."))


class StoreListView(TenantAdminOnly, SettingsPage):
    template_name = "backoffice/store_list.html"
    section = "stores"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stores"] = list(Store.objects.order_by("-is_active", "id"))
        context.setdefault("form", f.StoreCreateForm())
        context.setdefault("tenant_form", f.TenantForm(initial={"tenant_name": self.request.tenant.name}))
        return context

    def post(self, request, *args, **kwargs):
        self._admin_only()
        if "tenant_name" in request.POST:  # the tenant's own name
            tenant_form = f.TenantForm(request.POST)
            if not tenant_form.is_valid():
                return self.render_to_response(self.get_context_data(tenant_form=tenant_form))
            before = request.tenant.name
            with transaction.atomic():
                tenant_rename(tenant=request.tenant, name=tenant_form.cleaned_data["tenant_name"])
                self.record(area="tenant", action="update", label=before, store=None,
                            before={"name": before}, after={"name": request.tenant.name})
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(self.url("bo-stores"))
        if "store" in request.POST:  # retire / reopen
            target = get_object_or_404(Store, pk=request.POST.get("store"))
            active = request.POST.get("action") == "reopen"
            try:
                with transaction.atomic():
                    tenancy_services.store_set_active(store=target, active=active)
                    self.record(area="store", action="reopen" if active else "retire", obj=target, store=None,
                                before={"active": not active}, after={"active": active})
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, (_("%(store)s is open again.") if active else _("%(store)s is retired.")) % {"store": target})
            return HttpResponseRedirect(self.url("bo-stores"))
        form = f.StoreCreateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            with transaction.atomic():
                store = tenancy_services.store_create(**form.cleaned_data)
                self.record(area="store", action="create", obj=store, store=None, after=form.cleaned_data)
        except DomainError as exc:
            return self.refused(form, exc)
        messages.success(request, _("%(store)s is open, with its channels and payment methods.") % {"store": store})
        return HttpResponseRedirect(self.url("bo-stores"))


# --- room types ---------------------------------------------------------------------------


class RoomTypeListView(SettingsPage):
    template_name = "backoffice/room_type_list.html"
    section = "room_types"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["room_types"] = list(room_selectors.room_type_list(store=self.store).annotate(
            active_rooms=Count("rooms", filter=Q(rooms__is_active=True))))
        for room_type in context["room_types"]:
            room_type.thumbnail = next(filter(None, map(_image_url, room_type.images)), None)
        return context


ROOM_TYPE_VALUES = ("name", "default_price", "capacity", "amenities", "description", "sort_order")


class RoomTypeEditView(SettingsPage):
    template_name = "backoffice/room_type_form.html"
    section = "room_types"

    def room_type(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.scope_queryset(RoomType.objects.all()), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room_type = context.setdefault("room_type", self.room_type())
        context["images"] = [(name, _image_url(name)) for name in (room_type.images if room_type else [])]
        if "form" not in context:
            initial = {k: getattr(room_type, k) for k in ROOM_TYPE_VALUES} if room_type else {}
            if room_type:
                initial["amenities"] = ", ".join(room_type.amenities)
            context["form"] = f.RoomTypeForm(initial=initial)
        return context

    def post(self, request, *args, **kwargs):
        room_type = self.room_type()
        if room_type is not None and request.POST.get("image_action"):
            return self.image_action(room_type)
        if room_type is not None and request.POST.get("action") in ("retire", "reopen"):
            active = request.POST["action"] == "reopen"
            with transaction.atomic():
                room_services.room_type_update(room_type=room_type, actor=request.user, is_active=active)
                self.record(area="room_type", action=request.POST["action"], obj=room_type,
                            before={"active": room_type.is_active}, after={"active": active})
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(self.url("bo-room-types"))
        form = f.RoomTypeForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, room_type=room_type))
        d = form.cleaned_data
        values = {k: d[k] for k in ROOM_TYPE_VALUES}
        try:
            with transaction.atomic():
                if d.get("image"):
                    name = image_save(upload=d["image"], folder="room_types")
                    values["images"] = [*(room_type.images if room_type else []), name]
                if room_type is None:
                    saved = room_services.room_type_create(store=self.store, actor=request.user, **values)
                    self.record(area="room_type", action="create", obj=saved, after={k: values[k] for k in ROOM_TYPE_VALUES})
                else:
                    before = {k: getattr(room_type, k) for k in ROOM_TYPE_VALUES}
                    saved = room_services.room_type_update(room_type=room_type, actor=request.user, **values)
                    self.record(area="room_type", action="update", obj=saved, before=before,
                                after={k: getattr(saved, k) for k in ROOM_TYPE_VALUES})
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form, room_type=room_type))
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.url("bo-room-type-edit", saved.pk))

    def image_action(self, room_type):
        images = list(room_type.images)
        name, action = self.request.POST.get("image"), self.request.POST["image_action"]
        if name in images:
            i = images.index(name)
            if action == "remove":
                images.pop(i)
            elif action == "up" and i > 0:
                images[i - 1], images[i] = images[i], images[i - 1]
            with transaction.atomic():
                room_services.room_type_update(room_type=room_type, actor=self.request.user, images=images)
                self.record(area="room_type", action="images", obj=room_type,
                            before={"images": len(room_type.images)}, after={"images": len(images)})
        return HttpResponseRedirect(self.url("bo-room-type-edit", room_type.pk))


# --- rooms ---------------------------------------------------------------------------------


class RoomListView(SettingsPage):
    template_name = "backoffice/room_list.html"
    section = "rooms"

    def room_types(self):
        return room_selectors.room_type_list(store=self.store, filters={"is_active": True})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rooms"] = list(Room.objects.filter(store=self.store).select_related("room_type").order_by("sort_order", "number", "id"))
        context.setdefault("form", f.RoomBulkForm(room_types=self.room_types(), initial={"floor": "1"}))
        return context

    def post(self, request, *args, **kwargs):
        if "room" in request.POST:  # activate / deactivate
            room = get_object_or_404(self.scope_queryset(Room.objects.all()), pk=request.POST.get("room"))
            active = request.POST.get("action") == "activate"
            try:
                with transaction.atomic():
                    (room_services.room_activate if active else room_services.room_deactivate)(room=room, actor=request.user)
                    self.record(area="room", action="activate" if active else "deactivate", obj=room,
                                before={"active": room.is_active}, after={"active": active})
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, (_("Room %(room)s is in service.") if active else _("Room %(room)s is out of service."))
                                 % {"room": room.number})
            return HttpResponseRedirect(self.url("bo-rooms"))
        form = f.RoomBulkForm(request.POST, room_types=self.room_types())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        d = form.cleaned_data
        numbers = form.numbers()
        taken = set(Room.objects.filter(store=self.store, number__in=numbers).values_list("number", flat=True))
        if taken:
            form.add_error("first", _("These rooms exist already: %(rooms)s.") % {"rooms": "、".join(sorted(taken))})
            return self.render_to_response(self.get_context_data(form=form))
        try:
            with transaction.atomic():
                for i, number in enumerate(numbers):
                    room_services.room_create(store=self.store, room_type=d["room_type"], number=number, floor=d["floor"],
                                              actor=request.user)
                self.record(area="room", action="create", label=f"{numbers[0]}–{numbers[-1]}",
                            after={"rooms": numbers, "room_type": d["room_type"].name, "floor": d["floor"]})
        except DomainError as exc:
            return self.refused(form, exc, {"number": "first", "room_type": "room_type"})
        messages.success(request, _("%(n)d rooms added.") % {"n": len(numbers)})
        return HttpResponseRedirect(self.url("bo-rooms"))


ROOM_VALUES = ("room_type", "number", "floor", "description", "sort_order")


class RoomEditView(SettingsPage):
    template_name = "backoffice/room_form.html"
    section = "rooms"

    def room(self):
        return get_object_or_404(self.scope_queryset(Room.objects.select_related("room_type")), pk=self.kwargs["pk"])

    def form(self, room, data=None):
        types = RoomType.objects.filter(store=self.store).order_by("sort_order", "id")
        return f.RoomForm(data, room_types=types, initial={k: getattr(room, k) for k in ROOM_VALUES})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = context.setdefault("room", self.room())
        context.setdefault("form", self.form(room))
        return context

    def post(self, request, *args, **kwargs):
        room = self.room()
        form = self.form(room, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(room=room, form=form))
        changes = {k: v for k, v in form.cleaned_data.items() if getattr(room, k) != v}
        try:
            with transaction.atomic():
                before = {k: getattr(room, k) for k in changes}
                saved = room_services.room_update(room=room, actor=request.user, **changes)
                self.record(area="room", action="update", obj=saved, before=before, after={k: getattr(saved, k) for k in changes})
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.render_to_response(self.get_context_data(room=room, form=form))
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.url("bo-rooms"))


# --- payment methods, extra-charge items, channels ------------------------------------------

CATALOGUES = {
    "payment-methods": {
        "model": PaymentMethod, "form": f.PaymentMethodForm, "area": "payment_method",
        "title": gettext_lazy("Payment methods"), "fields": ("name", "method_type", "sort_order"),
        "list": lambda store: folio_selectors.payment_method_list(store=store),
        "create": lambda store, **v: folio_services.payment_method_create(store=store, **v),
        "update": lambda obj, **v: folio_services.payment_method_update(method=obj, **v),
        "ensure": lambda store: folio_services.payment_methods_ensure(store=store),
    },
    "extras": {
        "model": ExtraChargeItem, "form": f.ExtraItemForm, "area": "extra_item",
        "title": gettext_lazy("Extra charges"), "fields": ("name", "default_price", "category", "description", "sort_order"),
        "list": lambda store: folio_selectors.extra_item_list(store=store),
        "create": lambda store, **v: folio_services.extra_item_create(store=store, **v),
        "update": lambda obj, **v: folio_services.extra_item_update(item=obj, **v),
    },
    "channels": {
        "model": Channel, "form": f.ChannelForm, "area": "channel",
        "title": gettext_lazy("Channels"), "fields": ("name", "code", "channel_type", "description", "sort_order"),
        "list": lambda store: order_selectors.channel_list(store=store),
        "create": lambda store, **v: order_services.channel_create(store=store, **v),
        "update": lambda obj, **v: order_services.channel_update(channel=obj, **v),
    },
}


class CatalogueMixin:
    kind = ""

    def dispatch(self, request, *args, **kwargs):
        self.kind = kwargs["kind"]
        if self.kind not in CATALOGUES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def conf(self):
        return CATALOGUES[self.kind]

    @property
    def section(self):
        return self.kind

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(kind=self.kind, title=self.conf["title"], columns=[
            self.conf["form"].base_fields[n].label for n in self.conf["fields"]])
        return context

    def display(self, obj) -> list:
        out = []
        for name in self.conf["fields"]:
            getter = getattr(obj, f"get_{name}_display", None)
            out.append(getter() if getter else getattr(obj, name))
        return out


class CatalogueListView(CatalogueMixin, SettingsPage):
    template_name = "backoffice/catalogue_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "ensure" in self.conf:
            self.conf["ensure"](self.store)
        context["rows"] = [(obj, self.display(obj)) for obj in self.conf["list"](self.store)]
        return context

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.scope_queryset(self.conf["model"].objects.all()), pk=request.POST.get("id"))
        active = request.POST.get("action") == "reopen"
        with transaction.atomic():
            self.conf["update"](obj, is_active=active)
            self.record(area=self.conf["area"], action="reopen" if active else "retire", obj=obj,
                        before={"active": not active}, after={"active": active})
        messages.success(request, (_("%(name)s is in use again.") if active else _("%(name)s is retired.")) % {"name": obj})
        return HttpResponseRedirect(self.url("bo-catalogue", self.kind))


class CatalogueEditView(CatalogueMixin, SettingsPage):
    template_name = "backoffice/catalogue_form.html"

    def obj(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.scope_queryset(self.conf["model"].objects.all()), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context.setdefault("obj", self.obj())
        if "form" not in context:
            context["form"] = self.conf["form"](initial={n: getattr(obj, n) for n in self.conf["fields"]} if obj else None)
        return context

    def post(self, request, *args, **kwargs):
        obj = self.obj()
        form = self.conf["form"](request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, obj=obj))
        values = form.cleaned_data
        try:
            with transaction.atomic():
                if obj is None:
                    saved = self.conf["create"](self.store, **values)
                    self.record(area=self.conf["area"], action="create", obj=saved, after=values)
                else:
                    before = {n: getattr(obj, n) for n in self.conf["fields"]}
                    saved = self.conf["update"](obj, **values)
                    self.record(area=self.conf["area"], action="update", obj=saved, before=before, after=values)
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form, obj=obj))
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.url("bo-catalogue", self.kind))


# --- other settings: typed (pms_tenant_settings; the owner app's as the group "mp") -------

MASK = "******"


class SettingListView(SettingsPage):
    """Every setting that applies to the store, with its type; set a value (checked against
    its type) for this store or, by a tenant admin, for all stores."""

    template_name = "backoffice/settings_list.html"
    section = "other"

    def form(self, data=None):
        initial = None
        group, key = self.request.GET.get("group"), self.request.GET.get("key")
        if data is None and group and key:
            row = next((r for r in self.rows() if (r.group, r.key) == (group, key)), None)
            if row is not None:
                initial = {"group": row.group, "key": row.key, "value_type": row.value_type,
                           "value": "" if row.is_sensitive else row.value, "all_stores": row.store_id is None}
        return f.SettingForm(data, initial=initial, may_set_tenant_wide=self.request.user.is_superuser)

    def rows(self):
        if not hasattr(self, "_rows"):
            self._rows = tenancy_selectors.setting_list_effective(store=self.store)
        return self._rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = self.rows()
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        d = form.cleaned_data
        store = None if d.get("all_stores") else self.store
        old = next((r for r in self.rows() if (r.group, r.key) == (d["group"], d["key"])
                    and (r.store_id is None) == (store is None)), None)
        sensitive = bool(old and old.is_sensitive)
        try:
            with transaction.atomic():
                tenancy_services.setting_set(
                    store=store, group=d["group"], key=d["key"], value=d["value"], value_type=d["value_type"],
                    description=old.description if old else "", is_sensitive=sensitive,
                )
                show = (lambda v: MASK) if sensitive else (lambda v: v)
                self.record(area="setting", action="update" if old else "create", label=f"{d['group']}.{d['key']}",
                            store=store, object_id=f"{d['group']}.{d['key']}",
                            before={"value": show(old.value)} if old else {}, after={"value": show(d["value"])})
        except DomainError as exc:
            return self.refused(form, exc)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.url("bo-settings"))


# --- who changed what ---------------------------------------------------------------------

AREAS = {
    "tenant": gettext_lazy("Business"), "store": gettext_lazy("Store"), "staff": gettext_lazy("Staff"), "room_type": gettext_lazy("Room type"),
    "room": gettext_lazy("Room"), "payment_method": gettext_lazy("Payment method"),
    "extra_item": gettext_lazy("Extra charge"), "channel": gettext_lazy("Channel"), "setting": gettext_lazy("Setting"),
}
ACTIONS = {
    "create": gettext_lazy("Created"), "update": gettext_lazy("Changed"), "retire": gettext_lazy("Retired"),
    "reopen": gettext_lazy("Back in use"), "activate": gettext_lazy("Activated"), "deactivate": gettext_lazy("Deactivated"),
    "password": gettext_lazy("Password set"), "images": gettext_lazy("Images changed"),
}


class ChangeListView(SettingsPage):
    template_name = "backoffice/changes.html"
    section = "changes"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for record in tenancy_selectors.change_list(store=self.store):
            keys = list(dict.fromkeys([*record.before, *record.after]))
            actor = record.actor
            rows.append({
                "record": record, "area": AREAS.get(record.area, record.area), "action": ACTIONS.get(record.action, record.action),
                "actor": (getattr(getattr(actor, "staff", None), "display_name", "") or actor.username) if actor else "—",
                "changes": [(k, record.before.get(k, ""), record.after.get(k, "")) for k in keys],
            })
        context["rows"] = rows
        return context


@login_required
def media(request, name: str):
    """An uploaded image of this tenant (logo, room photo), served inertly."""
    return media_response(name=name)
