"""Back-office pages of rooms: the room panel shown beside the room status grid
(housekeeping, locks). Thin: parse input, call one selector or service, render. The grid
itself is the front desk's (``apps/frontdesk/views.py``)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from apps.common.errors import DomainError
from apps.common.forms import add_domain_error
from apps.common.pages import hx_events, is_htmx, next_url
from apps.rooms import selectors, services
from apps.rooms.forms import HousekeepingForm, RoomLockForm
from apps.rooms.models import Room, RoomLock
from apps.tenancy.business_day import store_local_date
from apps.tenancy.scope import StoreScopedPageMixin

Housekeeping = Room.Housekeeping

class RoomPanelMixin(StoreScopedPageMixin):
    """The room panel shown beside the grid: housekeeping, locks, booking this room."""

    panel_template_name = "rooms/_room_panel.html"

    def get_room(self) -> Room:
        return get_object_or_404(self.scope_queryset(Room.objects.select_related("room_type")), pk=self.kwargs["room_id"])

    def panel_context(self, room: Room, *, lock_form: RoomLockForm | None = None) -> dict:
        today = store_local_date(store=self.store)
        return {
            "store": self.store, "room": room, "today": today,
            "hk_choices": [(s, Housekeeping(s).label) for s in services.housekeeping_allowed_from(room.housekeeping) if s != room.housekeeping],
            "locks": list(selectors.room_lock_list(store=self.store, filters={"room_id": room.pk, "active": True})),
            "history": list(selectors.housekeeping_history(room=room)[:5]),
            "lock_form": lock_form or RoomLockForm(initial=RoomLockForm.initial_for(today=today)),
        }

    def render_panel(self, room: Room, *, status: int = 200, **kwargs) -> HttpResponse:
        from django.template.loader import render_to_string

        html = render_to_string(self.panel_template_name, self.panel_context(room, **kwargs), request=self.request)
        return HttpResponse(html, status=status)

    def done(self, message: str) -> HttpResponse:
        """A write succeeded: htmx callers refresh what they show; others go back."""
        if is_htmx(self.request):
            return hx_events(HttpResponse(status=204), toast={"message": message, "level": "success"}, desk_changed=True)
        messages.success(self.request, message)
        return HttpResponseRedirect(next_url(self.request, reverse("room-grid", kwargs={"store_id": self.store.pk})))

    def refused(self, exc: DomainError, room: Room) -> HttpResponse:
        if is_htmx(self.request):
            return hx_events(HttpResponse(status=204), toast={"message": exc.message, "level": "error"})
        messages.error(self.request, exc.message)
        return HttpResponseRedirect(next_url(self.request, reverse("room-grid", kwargs={"store_id": self.store.pk})))


class RoomPanelView(RoomPanelMixin, View):
    def get(self, request, store_id: int, room_id: int):
        return self.render_panel(self.get_room())


class RoomHousekeepingView(RoomPanelMixin, View):
    """Mark a room dirty / cleaning / clean / inspected (front desk allowed, as in the API)."""

    def post(self, request, store_id: int, room_id: int):
        room = self.get_room()
        form = HousekeepingForm(request.POST)
        if not form.is_valid():
            return self.refused(DomainError("invalid", _("Unknown housekeeping status.")), room)
        try:
            room = services.room_housekeeping_set(room=room, status=form.cleaned_data["status"], actor=request.user)
        except DomainError as exc:
            return self.refused(exc, room)
        return self.done(_("Room %(room)s is now %(status)s.") % {"room": room.number, "status": Housekeeping(room.housekeeping).label})


class RoomLockCreateView(RoomPanelMixin, View):
    """Take a room out of sale for some nights (maintenance, out of order, hold)."""

    def post(self, request, store_id: int, room_id: int):
        room = self.get_room()
        form = RoomLockForm(request.POST)
        if form.is_valid():
            try:
                services.room_lock_create(store=self.store, room=room, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return self.done(_("Room %(room)s is locked.") % {"room": room.number})
        if is_htmx(request):
            return self.render_panel(room, lock_form=form)
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(next_url(request, reverse("room-grid", kwargs={"store_id": self.store.pk})))


class RoomLockReleaseView(RoomPanelMixin, View):
    """Give a lock's nights back from today on."""

    def post(self, request, store_id: int, lock_id: int):
        lock = get_object_or_404(self.scope_queryset(RoomLock.objects.select_related("room")), pk=lock_id)
        try:
            services.room_lock_release(lock=lock, actor=request.user)
        except DomainError as exc:
            return self.refused(exc, lock.room)
        return self.done(_("Room %(room)s is unlocked.") % {"room": lock.room.number})
