"""The password forms of the site (back office, tenant admin, platform admin) behind the
log-in throttle (apps/tenancy/throttling.py): each attempt is counted before Django's form
checks its password, and a successful one gets a device cookie for this user.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views

from apps.common.faults import transient_fault
from apps.tenancy.throttling import (
    DEVICE_MAX_AGE_SECONDS,
    LoginThrottled,
    client_ip,
    device_cookie_name,
    device_token_issue,
    login_attempt,
    login_attempt_given_back,
    login_attempt_succeeded,
)


class ThrottledLoginMixin:
    """For a subclass of ``django.contrib.auth.views.LoginView``."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        self.device_cookie = device_cookie_name(username)
        try:
            self.attempt = login_attempt(
                username=username, ip=client_ip(request), device_token=request.COOKIES.get(self.device_cookie)
            )
        except LoginThrottled as exc:
            # the form is not validated: that would check the password
            messages.error(request, exc.detail)
            response = self.render_to_response(self.get_context_data(form=self.get_form_class()(request)), status=429)
            response["Retry-After"] = str(exc.wait)
            return response
        try:
            return super().post(request, *args, **kwargs)
        except Exception as exc:
            if transient_fault(exc):  # answered 503: the attempt counts against nobody
                login_attempt_given_back(self.attempt)
            raise

    def form_valid(self, form):
        login_attempt_succeeded(self.attempt)
        response = super().form_valid(form)
        response.set_cookie(
            self.device_cookie,
            device_token_issue(username=self.attempt.username, previous=self.request.COOKIES.get(self.device_cookie)),
            max_age=DEVICE_MAX_AGE_SECONDS, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
        )
        return response


class AdminLoginView(ThrottledLoginMixin, auth_views.LoginView):
    """The Django admin's log-in (``ThrottledAdminSiteMixin.login``)."""
