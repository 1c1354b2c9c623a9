"""Back-office pages of contacts: the guest search. A guest's page (profile and stays) is the
front desk's (``apps/frontdesk/views.py``)."""

from django.core.paginator import Paginator
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from apps.contacts.selectors import contact_list, contact_number_kinds
from apps.contacts.services import LookupThrottled, contact_lookup
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
            context.update(page=None, contacts=self._by_number(number), number_searched=True)
        else:
            page = Paginator(contact_list(store=self.store, filters={"name": q} if q else {}), PAGE_SIZE).get_page(
                self.request.GET.get("page")
            )
            context.update(page=page, contacts=page.object_list, number_searched=False)
        context["q"] = q
        context["lookup_error"] = getattr(self, "lookup_error", "")
        return context

    def _by_number(self, number: str) -> list:
        """The store's guests with exactly this phone or document number, within the
        user's lookup limit (a message instead of rows when it is reached)."""
        kinds = contact_number_kinds(number)
        if not kinds:
            self.lookup_error = _("Enter a whole phone or document number: a part of a number finds nothing.")
            return []
        try:
            return contact_lookup(
                actor=self.request.user, store=self.store, kinds=kinds[:1], place="guest_page",
                run=lambda: list(contact_list(store=self.store, filters={"number": number})[:PAGE_SIZE]),
            )
        except LookupThrottled as exc:
            self.lookup_error = exc.message
            self.lookup_status = 429
            return []

    def post(self, request, *args, **kwargs):
        number = (request.POST.get("number") or "").strip()
        context = self.get_context_data(number=number, **kwargs)
        return self.render_to_response(context, status=getattr(self, "lookup_status", 200))
