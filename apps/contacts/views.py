"""Back-office pages of contacts: guest search and guest profile (masked by default)."""
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from apps.common.errors import DomainError
from apps.contacts.selectors import contact_can_reveal, contact_get, contact_list, contact_reveal_log
from apps.contacts.services import contact_erase, contact_export, contact_reveal
from apps.tenancy.scope import StoreScopedPageMixin

PAGE_SIZE = 30


@method_decorator(sensitive_post_parameters("number"), name="dispatch")
class GuestListView(StoreScopedPageMixin, TemplateView):
    """Guests of the store. Names are searched with GET; document numbers and phones
    are looked up with POST so that they never appear in a URL or an access log."""

    template_name = "contacts/guest_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = (self.request.GET.get("q") or "").strip()
        number = kwargs.get("number", "")
        if number:
            rows = contact_list(store=self.store, filters={"q": number})[:PAGE_SIZE]
            context.update(page=None, contacts=rows, number_searched=True)
        else:
            page = Paginator(contact_list(store=self.store, filters={"name": q} if q else {}), PAGE_SIZE).get_page(
                self.request.GET.get("page")
            )
            context.update(page=page, contacts=page.object_list, number_searched=False)
        context["q"] = q
        return context

    def post(self, request, *args, **kwargs):
        number = (request.POST.get("number") or "").strip()
        return self.render_to_response(self.get_context_data(number=number, **kwargs))


class GuestDetailView(StoreScopedPageMixin, TemplateView):
    """A guest's profile; reveal (logged), export and erase are POST actions."""

    template_name = "contacts/guest_detail.html"

    def get_contact(self):
        return contact_get(store=self.store, contact_id=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = kwargs.get("contact") or self.get_contact()
        can_reveal = contact_can_reveal(user=self.request.user, store=self.store)
        context.update(
            contact=contact,
            can_reveal=can_reveal,
            revealed=kwargs.get("revealed"),
            reveals=list(contact_reveal_log(contact=contact)[:10]) if can_reveal else [],
            stays=self._stays(contact),
        )
        return context

    def _stays(self, contact):
        from apps.orders.selectors import stays_for_contact

        return stays_for_contact(store=self.store, contact_id=contact.pk)

    def post(self, request, *args, **kwargs):
        contact = self.get_contact()
        action = request.POST.get("action")
        try:
            if action == "reveal":
                values = contact_reveal(contact=contact, actor=request.user, reason=request.POST.get("reason", ""))
                return self.render_to_response(self.get_context_data(contact=contact, revealed=values, **kwargs))
            if action == "export":
                data = contact_export(contact=contact, actor=request.user)
                response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
                response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
                response["Cache-Control"] = "no-store"
                return response
            if action == "erase":
                contact_erase(contact=contact, actor=request.user)
                messages.success(request, _("The guest's personal data has been erased."))
                return HttpResponseRedirect(reverse("guest-detail", kwargs={"store_id": self.store.pk, "pk": contact.pk}))
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("guest-detail", kwargs={"store_id": self.store.pk, "pk": contact.pk}))
        return HttpResponseRedirect(request.path)
