"""The Django admin sites: throttled log-in, and a tenant's admin for tenant admins only.

``PmsAdminConfig`` replaces ``django.contrib.admin`` in ``INSTALLED_APPS`` and makes
``TenantAdminSite`` the default site (``admin.site``, Django's documented way to override
it), so every ``@admin.register`` of the apps lands on it. The platform admin
(``apps.tenancy.public.admin``) uses the same log-in.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


class ThrottledAdminSiteMixin:
    """Django's ``AdminSite.login`` with the throttled view (``apps.tenancy.login``): the
    admin's own log-in is a password form like any other, and answered 30 guesses."""

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        from django.contrib.admin.forms import AdminAuthenticationForm

        from apps.tenancy.login import AdminLoginView

        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return AdminLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)


class TenantAdminSite(ThrottledAdminSiteMixin, admin.AdminSite):
    """A tenant's Django admin: its tenant admins only. Store managers and clerks work in
    the back office, which scopes every page to their stores; the admin does not (a
    manager given staff rights here saw every store's rows)."""

    site_header = "PMS"

    def has_permission(self, request):
        from apps.tenancy.models import StaffProfile
        from apps.tenancy.selectors import staff_role

        user = request.user
        return user.is_active and user.is_staff and staff_role(user=user) == StaffProfile.Role.TENANT_ADMIN


class PmsAdminConfig(AdminConfig):
    default_site = "apps.tenancy.admin_site.TenantAdminSite"
