"""Back-office pages of orders: the order list, create (reservation or walk-in), detail
with its timeline, edit, the lifecycle actions, check-in with the guests' documents, and
the grid's move endpoint. Today's desk, the grid and the check-out are the front desk's
(``apps/frontdesk/views.py``). Extras and payments are posted on the
folio (``apps/folios/views.py``), which adds extras to the order as well. Thin: every
write is one call to the same services the REST API calls (``apps.orders.services``);
contacts' documents go through ``apps.contacts.services.contact_update``.

Answers: a page or a redirect with a message for plain form posts; for htmx requests a
204 with ``HX-Trigger`` (``toast``, ``desk-changed``: whatever is on screen reloads
itself) or the re-rendered form; JSON (``{detail, code, extra}``) for the grid's drags.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import DomainError, NotFoundError
from apps.common.pages import hx_events, is_htmx, wants_json_answer, write_done, write_refused
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.models import Contact
from apps.contacts.services import LookupThrottled
from apps.orders import selectors, services
from apps.orders.forms import (
    CancelForm,
    ExtendForm,
    GuestAddForm,
    MoveForm,
    OrderCreateForm,
    OrderEditForm,
    OrderFilterForm,
    StayChangeForm,
    add_domain_error,
)
from apps.orders.models import Order, OrderEvent
from apps.orders.policy import FeeKind, cancellation_fee_quote, policy_lines
from apps.rooms import selectors as room_selectors
from apps.tenancy.business_day import business_date
from apps.tenancy.scope import StoreScopedPageMixin

Status = Order.Status
PAGE_SIZE = 50


# --- helpers ---------------------------------------------------------------------------------


def id_type_choices() -> list:
    return list(Contact.IdType.choices)


class OrderPageMixin(StoreScopedPageMixin):
    """Store scope plus the lookups the order pages share."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundError:
            from django.http import Http404

            raise Http404 from None

    def order_url(self, order_id: int) -> str:
        return reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": order_id})

    def get_order(self) -> Order:
        return selectors.order_get(store=self.store, order_id=self.kwargs["pk"])

    def room_types(self):
        return list(room_selectors.room_type_list(store=self.store, filters={"is_active": True}))

    def rooms(self):
        return list(room_selectors.room_list(store=self.store, filters={"is_active": True}))

    def channels(self):
        return list(selectors.channel_list(store=self.store, active_only=True))

    def done(self, message: str, default_url: str, **events) -> HttpResponse:
        return write_done(self.request, message, default_url, **events)

    def refused(self, exc: DomainError, default_url: str) -> HttpResponse:
        return write_refused(self.request, exc, default_url)


# --- a document on file under another name -------------------------------------------------------


def chosen_contact_id(post) -> int | None:
    """The existing guest the clerk chose ("use the existing guest") after a
    ``document_belongs_to_other_contact`` refusal, if any."""
    value = (post.get("existing_contact_id") or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def document_conflict(exc: DomainError) -> dict | None:
    """What the form shows to let the clerk choose (the existing guest, masked)."""
    return exc.extra if exc.code == ContactErrorCode.DOCUMENT_BELONGS_TO_OTHER_CONTACT else None


# --- list -----------------------------------------------------------------------------------------


class OrderListView(OrderPageMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_template_names(self):
        return ["orders/_order_results.html"] if is_htmx(self.request) else [self.template_name]

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        # htmx swaps only successful answers: its result panel shows the message with a 200.
        status = 200 if is_htmx(request) else getattr(self, "lookup_status", 200)
        return self.render_to_response(context, status=status)

    # The page's search form posts (a phone or document number stays out of URLs); a link
    # with ?q=<name> (the guest page's "orders under this name") still works as a GET.
    post = get

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        form = OrderFilterForm(data or None, channels=self.channels())
        try:
            filters = services.order_search_filters(actor=self.request.user, store=self.store, filters=form.to_filters())
            orders = selectors.order_list(store=self.store, filters=filters)
        except LookupThrottled as exc:
            # A whole phone or document number beyond the user's lookup limit: nothing searched.
            context["lookup_error"] = exc.message
            self.lookup_status = 429
            orders = Order.objects.none()
        page = Paginator(orders, PAGE_SIZE).get_page(data.get("page"))
        context.update(form=form, page=page, orders=page.object_list)
        return context


# --- create ---------------------------------------------------------------------------------------


class OrderCreateView(OrderPageMixin, TemplateView):
    """A reservation or a walk-in. From the grid (htmx) it opens in the side panel."""

    template_name = "orders/order_create.html"
    drawer_template_name = "orders/_order_create_drawer.html"

    def get_template_names(self):
        return [self.drawer_template_name] if is_htmx(self.request) else [self.template_name]

    form_class = OrderCreateForm

    def form_kwargs(self) -> dict:
        """What a subclass's form takes besides the order's own (the desk's: payment methods)."""
        return {}

    def make_form(self, data=None):
        today = business_date(store=self.store)
        rooms = self.rooms()
        initial = OrderCreateForm.initial_from(self.request.GET, today=today)
        picked = next((r for r in rooms if r.pk == initial.get("room")), None)
        if picked is not None:
            initial["room_type"] = picked.room_type_id
        return self.form_class(
            data, initial=initial, room_types=self.room_types(), rooms=rooms, channels=self.channels(), id_types=id_type_choices(),
            **self.form_kwargs(),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.make_form()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["business_date"] = business_date(store=self.store)
        context["document_conflict"] = getattr(self, "document_conflict", None)
        return context

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                order = self.create(form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                self.document_conflict = document_conflict(exc)
            else:
                message = _("Order %(code)s saved: %(guest)s, %(room)s, %(arrival)s to %(departure)s.") % {
                    "code": order.code, "guest": order.primary_contact_name,
                    "room": order.room.number if order.room_id else order.room_type.name,
                    "arrival": order.arrival.isoformat(), "departure": order.departure.isoformat(),
                }
                if is_htmx(request):
                    return hx_events(HttpResponse(status=204), toast={"message": message, "level": "success"},
                                      desk_changed=True, drawer_close=True)
                messages.success(request, message)
                return HttpResponseRedirect(self.order_url(order.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def create(self, data) -> Order:
        room_type, room = selectors.stay_target(store=self.store, room_type_id=data.get("room_type"), room_id=data.get("room"))
        channel = None
        if data.get("channel"):
            channel = selectors.channel_lookup(store=self.store, ref=data["channel"])
        person = services.PersonIn(
            full_name=data["guest_name"], phone=data.get("guest_phone") or None, id_type=data.get("id_type") or None,
            id_number=data.get("id_number") or None, is_primary=True,
            existing_contact_id=chosen_contact_id(self.request.POST),
        )
        party = services.PartyIn(
            adults=data["adults"], children=data["children"], booker=person, guests=(person,),
            estimated_arrival_time=data.get("estimated_arrival_time"),
        )
        common = {"store": self.store, "actor": self.request.user, "party": party, "channel": channel,
                  "notes": data.get("notes") or ""}
        if data["kind"] == OrderCreateForm.KIND_WALK_IN:
            return services.order_walk_in(room=room, departure=data["departure"], **common)
        stay = services.StayIn(room_type=room_type, room=room, arrival=data["arrival"], departure=data["departure"])
        return services.order_create(stay=stay, confirm=data.get("confirm", False), **common)


# --- detail, panel, edit -----------------------------------------------------------------------------


def _timeline(order: Order, *, rooms: dict[int, str], types: dict[int, str]) -> list[dict]:
    """The order's events with their changes in words (room numbers, not ids)."""
    field_labels = {
        "arrival": _("Arrival"), "departure": _("Departure"), "room_id": _("Room"), "room_type_id": _("Room type"),
        "notes": _("Notes"), "adults": _("Adults"), "children": _("Children"), "estimated_arrival_time": _("Expected at"),
    }
    status_labels = dict(Status.choices)

    def show(key, value):
        if value in (None, ""):
            return "—"
        if key == "room_id":
            return rooms.get(value, str(value))
        if key == "room_type_id":
            return types.get(value, str(value))
        return str(value)

    rows = []
    for event in order.events.all():
        data = event.data or {}
        details = []
        changes = data.get("changes") or {}
        if isinstance(changes, dict):
            for key, pair in changes.items():
                if isinstance(pair, list) and len(pair) == 2:
                    details.append(f"{field_labels.get(key, key)}: {show(key, pair[0])} → {show(key, pair[1])}")
        if isinstance(data.get("departure"), list) and len(data["departure"]) == 2:
            details.append(f"{_('Departure')}: {data['departure'][0]} → {data['departure'][1]}")
        if event.kind == OrderEvent.Kind.CHECKED_IN and data.get("room_id"):
            details.append(f"{_('Room')}: {show('room_id', data['room_id'])}")
        if data.get("reason"):
            details.append(f"{_('Reason')}: {data['reason']}")
        if data.get("name_masked"):
            details.append(f"{_('Guest')}: {data['name_masked']}")
        if data.get("description"):
            details.append(f"{data['description']} {data.get('total_price', '')}".strip())
        rows.append({
            "at": event.at, "kind": event.get_kind_display(), "actor": event.actor.get_username() if event.actor_id else "",
            "from": status_labels.get(event.from_status, ""), "to": status_labels.get(event.to_status, ""),
            "transition": event.from_status != event.to_status and bool(event.from_status), "details": details,
        })
    return rows


def _removable_guests(order: Order, rows) -> set[int]:
    """Contacts the page offers to take off the order: what ``order_guest_remove`` allows
    (not the last guest unless another booker then stays)."""
    if order.status not in Order.ACTIVE:
        return set()
    if len(rows) > 1:
        return {g.contact_id for g in rows}
    return {g.contact_id for g in rows if order.booker_id is not None and g.contact_id != order.booker_id}


class OrderDetailView(OrderPageMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        today = business_date(store=self.store)
        rooms = {r.pk: r.number for r in self.rooms()}
        types = {t.pk: t.name for t in room_selectors.room_type_list(store=self.store)}
        items = list(order.items.all())
        rows = list(order.guests.all())
        actions = selectors.order_actions(order=order, today=today)
        context.update(_fee_context(order, actions))
        context.update(
            order=order, today=today, guests=selectors.order_staying_guests(order=order), actions=actions,
            primary_guest_id=next((g.contact_id for g in rows if g.is_primary), None),
            removable_guest_ids=_removable_guests(order, rows),
            guest_form=kwargs.get("guest_form") or GuestAddForm(id_types=id_type_choices()),
            nights=[i for i in items if i.kind == "room_night"], extras=[i for i in items if i.kind == "extra"],
            # what the folios changed beyond the lines (fees, manual charges, discounts, voids; a
            # called-off stay's nights): the lines and this row add up to the total
            adjustments=order.total_amount - sum((i.total_price for i in items), Decimal(0)),
            timeline=_timeline(order, rooms=rooms, types=types),
            cancel_form=kwargs.get("cancel_form") or CancelForm(),
            extend_form=kwargs.get("extend_form") or ExtendForm(initial={"departure": order.departure + timedelta(days=1)}),
        )
        return context


def _fee_context(order: Order, actions: dict[str, bool]) -> dict:
    """What the cancel and no-show confirmations show: the order's terms and the fee each
    would charge now (``apps.orders.policy``; the front desk's services charge it)."""
    now = timezone.now()
    context: dict = {"policy_text": policy_lines(order.cancellation_policy or {})}
    for kind, key in ((FeeKind.CANCEL, "cancel"), (FeeKind.NO_SHOW, "no_show")):
        if actions.get(key):
            quote = cancellation_fee_quote(order, at=now, kind=kind)
            context[f"{key}_fee"] = quote.amount
            context[f"{key}_free_until"] = quote.free_until.strftime("%Y-%m-%d %H:%M") if quote.free_until else ""
    return context


class OrderPanelView(OrderPageMixin, TemplateView):
    """A stay clicked on the grid: its summary and actions, in the side panel."""

    template_name = "orders/_order_panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        today = business_date(store=self.store)
        context.update(order=order, today=today, guests=selectors.order_staying_guests(order=order), actions=selectors.order_actions(order=order, today=today),
                       rooms=self.rooms() if order.status in Order.ACTIVE else [])
        return context


class OrderEditView(OrderPageMixin, TemplateView):
    """Edit details (guest counts, arrival time, notes) and change the stay (dates, room)."""

    template_name = "orders/order_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = kwargs.get("order") or self.get_order()
        in_house = order.status in Order.IN_HOUSE
        context.update(
            order=order,
            details_form=kwargs.get("details_form") or OrderEditForm(initial={
                "adults": order.adults, "children": order.children, "estimated_arrival_time": order.estimated_arrival_time,
                "notes": order.notes,
            }),
            stay_form=kwargs.get("stay_form") or StayChangeForm(
                initial={"arrival": order.arrival, "departure": order.departure, "room_type": order.room_type_id, "room": order.room_id},
                room_types=self.room_types(), rooms=self.rooms(), in_house=in_house,
            ),
            can_change_stay=order.status in Order.ACTIVE,
        )
        return context

    STAY_FIELDS = ("arrival", "departure", "room_type", "room")

    def post(self, request, *args, **kwargs):
        """One form, one button: the details and (while the stay may change) the stay, saved
        together or not at all; a part whose fields were not sent is left alone."""
        order = self.get_order()
        details = OrderEditForm(request.POST) if "adults" in request.POST else None
        stay = None
        if order.status in Order.ACTIVE and any(name in request.POST for name in self.STAY_FIELDS):
            stay = StayChangeForm(request.POST, room_types=self.room_types(), rooms=self.rooms(), in_house=order.status in Order.IN_HOUSE)
        valid = [form.is_valid() for form in (details, stay) if form is not None]
        if valid and all(valid):
            try:
                with transaction.atomic():
                    if stay is not None and self.stay_changed(order, stay.cleaned_data):
                        self.change_stay(order, stay.cleaned_data)
                    if details is not None:
                        services.order_update(order=selectors.order_for_update(store=self.store, order_id=order.pk),
                                              actor=request.user, **details.cleaned_data)
            except DomainError as exc:
                add_domain_error(stay if stay is not None and details is None else (details or stay), exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.order_url(order.pk))
        return self.render_to_response(self.get_context_data(order=order, details_form=details, stay_form=stay))

    @staticmethod
    def stay_changed(order: Order, data: dict) -> bool:
        current = {"arrival": order.arrival, "departure": order.departure, "room_type": order.room_type_id, "room": order.room_id}
        return any(name in data and data[name] != current[name] for name in current)

    def change_stay(self, order: Order, data: dict) -> Order:
        room_type, room = None, None
        if data.get("room") is not None or data.get("room_type") is not None:
            room_type, room = selectors.stay_target(store=self.store, room_type_id=data.get("room_type"), room_id=data.get("room"))
        kwargs = {"room": room}
        if "room_type" in data:
            kwargs.update(room_type=room_type, arrival=data["arrival"], departure=data["departure"])
        return services.order_modify(order=selectors.order_for_update(store=self.store, order_id=order.pk), actor=self.request.user, **kwargs)


# --- actions ---------------------------------------------------------------------------------------------


class OrderActionView(OrderPageMixin, View):
    """One POST per lifecycle transition (the API's action endpoints, for the desk)."""

    action: str = ""

    def post(self, request, store_id: int, pk: int, **kwargs):
        order = selectors.order_for_update(store=self.store, order_id=pk)
        url = self.order_url(pk)
        try:
            order = self.run(order)
        except DomainError as exc:
            return self.refused(exc, url)
        return self.done(self.message(order), url)

    def run(self, order: Order) -> Order:
        actor = self.request.user
        if self.action == "confirm":
            return services.order_confirm(order=order, actor=actor)
        raise AssertionError(self.action)

    def message(self, order: Order) -> str:
        return _("Order %(code)s: %(status)s.") % {"code": order.code, "status": Status(order.status).label}


class OrderGuestAddView(OrderDetailView):
    """Register one more staying guest from the order page. A refusal shows the page again
    with what was typed and why."""

    http_method_names = ["post"]

    def post(self, request, store_id: int, pk: int):
        order = selectors.order_for_update(store=self.store, order_id=pk)
        url = self.order_url(pk)
        form = GuestAddForm(request.POST, id_types=id_type_choices())
        if form.is_valid():
            data = form.cleaned_data
            person = services.PersonIn(
                full_name=data["guest_name"], phone=data.get("guest_phone") or None, id_type=data.get("id_type") or None,
                id_number=data.get("id_number") or None, existing_contact_id=chosen_contact_id(request.POST),
            )
            try:
                guest = services.order_guest_add(order=order, actor=request.user, person=person)
            except DomainError as exc:
                if is_htmx(request) or wants_json_answer(request):
                    return self.refused(exc, url)
                add_domain_error(form, exc)
                messages.error(request, exc.message)
                return self.render_to_response(
                    self.get_context_data(guest_form=form, guest_document_conflict=document_conflict(exc)),
                )
            else:
                return self.done(_("%(guest)s is registered on this order.") % {"guest": guest.contact.full_name}, url)
        return self.render_to_response(self.get_context_data(guest_form=form))


class OrderGuestRemoveView(OrderActionView):
    def run(self, order: Order) -> Order:
        return services.order_guest_remove(order=order, actor=self.request.user, contact_id=self.kwargs["contact_id"])

    def message(self, order: Order) -> str:
        return _("The guest is no longer on order %(code)s.") % {"code": order.code}


class OrderMoveView(OrderPageMixin, View):
    """A stay dragged on the grid (or moved from its panel): same nights count, new room
    and/or arrival. ``order_modify`` re-checks the room and the type's inventory and
    re-prices new nights; a refusal changes nothing and says why."""

    def post(self, request, store_id: int, pk: int):
        url = reverse("room-grid", kwargs={"store_id": self.store.pk})
        form = MoveForm(request.POST)
        if not form.is_valid():
            return self.refused(DomainError("invalid", _("Choose a room and a date."), status=400), url)
        order = selectors.order_get(store=self.store, order_id=pk)
        try:
            _type, room = selectors.stay_target(store=self.store, room_id=form.cleaned_data["room"])
            kwargs = {"room": room}
            arrival = form.cleaned_data.get("arrival")
            if arrival and arrival != order.arrival:
                kwargs.update(arrival=arrival, departure=arrival + timedelta(days=order.nights))
            moved = services.order_modify(order=order, actor=request.user, **kwargs)
        except DomainError as exc:
            return self.refused(exc, url)
        message = _("%(guest)s moved to %(room)s, %(arrival)s to %(departure)s; total %(total)s.") % {
            "guest": moved.primary_contact_name or moved.code, "room": room.number,
            "arrival": moved.arrival.isoformat(), "departure": moved.departure.isoformat(), "total": moved.total_amount,
        }
        if wants_json_answer(request):
            return JsonResponse({
                "ok": True, "detail": message,
                "order": {"id": moved.pk, "room_id": moved.room_id, "arrival": moved.arrival.isoformat(),
                          "departure": moved.departure.isoformat(), "total_amount": str(moved.total_amount)},
            })
        return self.done(message, url)
