"""Store scope, resolved once per request in a base class (STYLE 9).

The tenant is the schema (set by ``TenantPathMiddleware``). The store comes from the
URL (``<int:store_id>``) and is checked against the user's grants here, before any
view code runs. A store the user may not access answers 404 exactly like a missing
one; a granted store where the action needs a manager answers 403 ``manager_only``.
Every store-scoped queryset goes through ``scope_queryset``.
"""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import viewsets

from apps.common.errors import DomainError
from apps.tenancy.error_codes import TenancyErrorCode
from apps.tenancy.models import Store
from apps.tenancy.roles import ACCESS, CLEAN, MANAGE
from apps.tenancy.selectors import store_get_with_perms


class ManagerOnly(DomainError):
    status = 403

    def __init__(self):
        super().__init__(TenancyErrorCode.MANAGER_ONLY, _("Only a store manager can do this."))


def store_resolve(*, user, store_id, need: str = ACCESS) -> tuple[Store, frozenset[str]]:
    """The store ``store_id`` if ``user`` may work in it, else Http404; ManagerOnly if
    ``need`` is MANAGE. ``need=CLEAN``: housekeeping work, which ``access_store`` or
    ``clean_store`` allows; any other need requires ``access_store`` (a housekeeper's
    grant answers 404 there, like no grant). One query: the store with the user's grants on it."""
    try:
        store_id = int(store_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not -(2**63) <= store_id < 2**63:
        raise Http404
    store, perms = store_get_with_perms(user=user, store_id=store_id)
    if store is None or not (ACCESS in perms or (need == CLEAN and CLEAN in perms)):
        raise Http404
    if need == MANAGE and MANAGE not in perms:
        raise ManagerOnly()
    return store, perms


class StoreScopedMixin:
    """For DRF views and viewsets under ``stores/<int:store_id>/``.

    ``manager_actions`` lists viewset actions (or HTTP methods, lower case) that need
    ``manage_store``; ``store_field`` is the lookup from the model to its store.
    """

    store_field = "store"
    manager_actions: frozenset[str] = frozenset()
    # actions (or methods) a housekeeper (``clean_store``) may also call: rooms, cleaning, maintenance
    housekeeping_actions: frozenset[str] = frozenset()
    store: Store
    store_perms: frozenset[str]

    def required_store_perm(self, request) -> str:
        action = getattr(self, "action", None) or request.method.lower()
        if action in self.manager_actions or request.method.lower() in self.manager_actions:
            return MANAGE
        return CLEAN if action in self.housekeeping_actions else ACCESS

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        self.store, self.store_perms = store_resolve(
            user=request.user, store_id=kwargs.get("store_id"), need=self.required_store_perm(request)
        )

    @property
    def can_manage(self) -> bool:
        return MANAGE in self.store_perms

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.store_field: self.store})

    def get_queryset(self):
        return self.scope_queryset(super().get_queryset())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "store"):
            context["store"] = self.store
        return context


class StoreScopedViewSet(StoreScopedMixin, viewsets.GenericViewSet):
    pass


class StoreScopedPageMixin(LoginRequiredMixin):
    """For back-office (template) views under ``s/<int:store_id>/``."""

    store_field = "store"
    manager_only = False
    # a housekeeper (``clean_store``) may open this page too
    housekeeping_ok = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.store, self.store_perms = store_resolve(
                user=request.user, store_id=kwargs.get("store_id"),
                need=MANAGE if self.manager_only else CLEAN if self.housekeeping_ok else ACCESS,
            )
        except ManagerOnly as exc:
            raise PermissionDenied(exc.message) from exc
        return super().dispatch(request, *args, **kwargs)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.store_field: self.store})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["store"] = self.store
        context["can_manage"] = MANAGE in self.store_perms
        return context
