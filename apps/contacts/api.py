"""REST endpoints of contacts (thin: parse, call one service or selector, render)."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import refuse_blank_query
from apps.common.errors import DomainError
from apps.common.pagination import PageNumberPagination
from apps.common.schema import RETRY_AFTER_HEADER, TEXT_PATTERN, error_example, error_responses
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.models import Contact
from apps.contacts.selectors import (
    contact_list,
    contact_reveal_log,
    contact_search_tenant,
)
from apps.contacts.serializers import (
    ContactCreatedSerializer,
    ContactCreateInSerializer,
    ContactFilterSerializer,
    ContactLookupInSerializer,
    ContactOutSerializer,
    ContactSearchOutSerializer,
    ContactUpdateInSerializer,
    RevealInSerializer,
    RevealLogOutSerializer,
    RevealOutSerializer,
    TenantContactSearchQuerySerializer,
)
from apps.contacts.services import (
    contact_create_or_reuse,
    contact_erase,
    contact_export,
    contact_lookup,
    contact_reveal,
    contact_update,
)
from apps.tenancy.scope import StoreScopedViewSet

TAGS = ["contacts"]
LIST_PARAMETERS = [
    OpenApiParameter("q", str, pattern=TEXT_PATTERN, description="Name contains (numbers: use POST lookup/)."),
    OpenApiParameter("contact_type", str, enum=Contact.Type.values),
    OpenApiParameter("status", str, enum=Contact.Status.values),
]


CONTACT_ERASED = error_example(409, "contact_erased", "This contact's personal data has been erased.")
REVEAL_FORBIDDEN = error_example(403, "reveal_forbidden", "You are not allowed to see ID documents and phone numbers in clear.")
PERMISSION_DENIED = error_example(403, "permission_denied", "You do not have permission to perform this action.")
LOOKUP_LIMIT = 50


THROTTLED = error_example(
    429, "throttled", "Too many lookups by phone or document number (at most 30 per hour). Try again in 42 minutes.",
    {"retry_after_s": 2520},
)
LOOKUP_DESCRIPTION = (
    "Each number given counts against the caller's limit of lookups by phone or document number "
    "(`PMS_CONTACT_LOOKUPS_PER_WINDOW`, 30 per hour by default, shared by every place that looks numbers up); "
    "beyond it 429 `throttled` with `Retry-After`. Every lookup is logged (who, when, kind, matches; never the number). "
    "Only a whole number matches."
)


def _lookup_filters(data: dict) -> dict:
    return {k: v for k, v in data.items() if v}


def _lookup(request, *, store, data: dict, place: str, search):
    filters = _lookup_filters(data)
    kinds = [kind for kind in ("phone", "id_number") if filters.get(kind)]
    return contact_lookup(actor=request.user, store=store, kinds=kinds, place=place, run=lambda: list(search(filters)))


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StoreScopedViewSet):
    """Guest profiles of a store. Numbers are masked; reveal and export are logged."""

    queryset = Contact.objects.select_related("store")
    serializer_class = ContactOutSerializer
    manager_actions = frozenset({"erase"})

    def list_queryset(self):
        params = ContactFilterSerializer(data=self.request.query_params)
        refuse_blank_query(params, self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = {k: v for k, v in params.validated_data.items() if v}
        # q searches names here; exact numbers go through lookup/ (body, not URL).
        if "q" in filters:
            filters["name"] = filters.pop("q")
        return contact_list(store=self.store, filters=filters)

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: ContactOutSerializer(many=True)}, tags=TAGS)
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.list_queryset())
        return self.get_paginated_response(ContactOutSerializer(page, many=True).data)

    @extend_schema(responses={200: ContactOutSerializer}, tags=TAGS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=ContactCreateInSerializer,
        responses={201: ContactCreatedSerializer, 200: ContactCreatedSerializer, **error_responses(409, examples=[
            error_example(409, "document_belongs_to_other_contact",
                          "This document number is on file for another guest (刘*). Use the existing guest, or correct "
                          "the name or the number you typed.",
                          {"contact_id": 42, "masked_name": "刘*", "id_number_masked": "**************1232",
                           "fields": {"id_number": ["..."]}}),
        ])},
        tags=TAGS,
        description="Create a contact; if the store already has one with this document or phone, "
        "return it (200, `reused: true`) instead of a duplicate. A document on file under another name is refused "
        "(409 `document_belongs_to_other_contact`, with `extra.contact_id` and `extra.masked_name`) unless "
        "`existing_contact_id` names that profile.",
    )
    def create(self, request, *args, **kwargs):
        data = ContactCreateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = contact_create_or_reuse(store=self.store, actor=request.user, **data.validated_data)
        body = ContactOutSerializer(result.contact).data | {"reused": not result.created}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(
        request=ContactUpdateInSerializer,
        responses={200: ContactOutSerializer, **error_responses(409, examples=[
            CONTACT_ERASED,
            error_example(409, "document_taken", "Another profile of this store already has this document or phone.",
                          {"contact_id": 42}),
        ])},
        tags=TAGS,
        description="Change a contact. `phone: \"\"` / `id_number: \"\"` remove them. Refused on an erased contact "
        "(`contact_erased`) and when another profile of the store has the document or phone (`document_taken`).",
    )
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        data = ContactUpdateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_update(contact=contact, actor=request.user, **data.validated_data)
        return Response(ContactOutSerializer(contact).data)

    @extend_schema(
        request=ContactLookupInSerializer,
        parameters=[RETRY_AFTER_HEADER],
        responses={200: OpenApiResponse(
            ContactOutSerializer(many=True), description=f"The matching profiles, a plain list (not paged), at most {LOOKUP_LIMIT}.",
        ), **error_responses(429, examples=[THROTTLED])},
        tags=TAGS,
        description="Exact lookup by document number and/or phone through the blind indexes. Answers a plain list of "
        f"at most {LOOKUP_LIMIT} profiles (an exact match is one or a few), like the tenant-wide `contacts/lookup/`. "
        + LOOKUP_DESCRIPTION,
    )
    # Not paged (an exact match is a handful of rows): urls_api mounts it with pagination_class=None,
    # which also keeps the schema from describing a page object.
    @action(detail=False, methods=["post"])
    def lookup(self, request, *args, **kwargs):
        data = ContactLookupInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = _lookup(
            request, store=self.store, data=data.validated_data, place="api",
            search=lambda filters: contact_list(store=self.store, filters=filters)[:LOOKUP_LIMIT],
        )
        return Response(ContactOutSerializer(rows, many=True).data)

    @extend_schema(
        request=RevealInSerializer,
        responses={200: RevealOutSerializer, **error_responses(403, 409, examples=[REVEAL_FORBIDDEN, PERMISSION_DENIED, CONTACT_ERASED])},
        tags=TAGS,
        description="The document number and/or phone in clear. Needs the reveal permission "
        "(403 `reveal_forbidden`); refused on an erased contact (409 `contact_erased`); every call is recorded.",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, *args, **kwargs):
        contact = self.get_object()
        data = RevealInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = contact_reveal(
            contact=contact, actor=request.user, fields=tuple(data.validated_data["fields"]),
            reason=data.validated_data["reason"],
        )
        return Response(values)

    @extend_schema(responses={200: RevealLogOutSerializer(many=True)}, tags=TAGS, description="Who saw this contact's data in clear, and when.")
    @action(detail=True, methods=["get"], url_path="reveal-log")
    def reveal_log(self, request, *args, **kwargs):
        contact = self.get_object()
        page = self.paginate_queryset(contact_reveal_log(contact=contact))
        return self.get_paginated_response(RevealLogOutSerializer(page, many=True).data)

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **error_responses(403, examples=[REVEAL_FORBIDDEN, PERMISSION_DENIED])}, tags=TAGS,
        description="All personal data of this contact as JSON (right of access). Needs the reveal permission "
        "(403 `reveal_forbidden`); recorded.",
    )
    @action(detail=True, methods=["get"])
    def export(self, request, *args, **kwargs):
        data = contact_export(contact=self.get_object(), actor=request.user)
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="contact-{data["contact"]["id"]}.json"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=None,
        responses={200: ContactOutSerializer, **error_responses(403, 409, examples=[
            error_example(403, "manager_only", "Only a store manager can do this."), PERMISSION_DENIED, CONTACT_ERASED,
        ])},
        tags=TAGS,
        description="Erase (anonymise) the contact's personal data; orders and folios keep their link. Manager only. "
        "Refused if it was erased already (409 `contact_erased`).",
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, *args, **kwargs):
        contact = contact_erase(contact=self.get_object(), actor=request.user)
        return Response(ContactOutSerializer(contact).data)


class TenantAdminOnly(DomainError):
    status = 403

    def __init__(self):
        super().__init__(ContactErrorCode.TENANT_ADMIN_ONLY, _("Only a tenant admin can search every store."))


class _TenantAdminApi(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_superuser:
            raise TenantAdminOnly()


class TenantContactSearchApi(_TenantAdminApi):
    """Contacts of every store of the tenant whose name contains ``q``. Tenant admins only."""

    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, pattern=TEXT_PATTERN, description="Name contains.")],
        responses={200: ContactSearchOutSerializer(many=True)}, tags=TAGS,
    )
    def get(self, request):
        params = TenantContactSearchQuerySerializer(data=request.query_params)
        refuse_blank_query(params, request.query_params)
        params.is_valid(raise_exception=True)
        q = params.validated_data.get("q", "")
        qs = Contact.objects.none() if not q else contact_search_tenant(filters={"name": q})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ContactSearchOutSerializer(page, many=True).data)


class TenantContactLookupApi(_TenantAdminApi):
    """Exact lookup by document number and/or phone across every store. Tenant admins only."""

    @extend_schema(
        request=ContactLookupInSerializer, parameters=[RETRY_AFTER_HEADER],
        responses={200: ContactSearchOutSerializer(many=True), **error_responses(429, examples=[THROTTLED])}, tags=TAGS,
        description=LOOKUP_DESCRIPTION,
    )
    def post(self, request):
        data = ContactLookupInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = _lookup(
            request, store=None, data=data.validated_data, place="api_tenant",
            search=lambda filters: contact_search_tenant(filters=filters)[:LOOKUP_LIMIT],
        )
        return Response(ContactSearchOutSerializer(rows, many=True).data)
