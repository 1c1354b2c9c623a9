"""Back-office pages of folios (thin): the printable folio for a logged-in clerk."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View

from apps.common.errors import NotFoundError
from apps.folios import selectors
from apps.folios.printing import folio_print_html, print_language
from apps.tenancy.scope import StoreScopedPageMixin


class FolioPrintView(StoreScopedPageMixin, View):
    """``s/<store_id>/folios/<folio_id>/print/``: the print-friendly folio (``?lang=en`` or zh-hans)."""

    def get(self, request, store_id: int, folio_id: int):
        try:
            folio = selectors.folio_get(store=self.store, folio_id=folio_id)
        except NotFoundError:
            raise Http404 from None
        html = folio_print_html(folio=folio, store=self.store, language=print_language(request, request.GET.get("lang")))
        return HttpResponse(html, content_type="text/html; charset=utf-8")
