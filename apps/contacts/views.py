"""Back-office pages of contacts: the guest search. A guest's page (profile and stays) is the
front desk's (``apps/frontdesk/views.py``)."""

from django.core.paginator import Paginator
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from apps.contacts.selectors import contact_list
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
