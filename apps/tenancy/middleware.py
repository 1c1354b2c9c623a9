"""Resolve the tenant from the request path, on one host for every tenant.

A WeChat mini-program may only call a short whitelist of HTTPS domains, so tenants
cannot need a subdomain each. A request for ``/t/<slug>/rest`` is served by tenant
``slug`` as if it were a request for ``/rest``: ``path_info`` loses the prefix and
the script prefix gains it, so ``reverse()`` and redirects keep the prefix. A request
on a host registered as a tenant's own domain is served by that tenant too. Anything
else is the public schema (platform admin, health check, OpenAPI schema).

Cost: the tenant lookup is cached per process (``PMS_TENANT_CACHE_SECONDS``), so a
request adds exactly one SQL statement, the ``SET search_path`` issued before the
view's first query (``TENANT_LIMIT_SET_CALLS``). See docs/tenancy.md.
"""
from __future__ import annotations

import re

from django.conf import settings
from django.db import connection
from django.http import HttpResponsePermanentRedirect
from django.urls import get_script_prefix, set_script_prefix

from apps.common.exceptions import json_or_html_404
from apps.tenancy.public.selectors import tenant_for_domain, tenant_for_slug

TENANT_PATH = re.compile(r"^/t/(?P<slug>[a-z0-9][a-z0-9-]{0,39})(?P<rest>/.*)?$")


class TenantPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = TENANT_PATH.match(request.path_info)
        if match:
            tenant = tenant_for_slug(match["slug"])
            if tenant is None:
                connection.set_schema_to_public()
                return json_or_html_404(request)
            if match["rest"] is None:
                return HttpResponsePermanentRedirect(request.path + "/")
            prefix = f"{get_script_prefix()}t/{tenant.slug}/"
            request.path_info = match["rest"]
        else:
            tenant = tenant_for_domain(request.get_host().split(":")[0].lower())
            prefix = None

        old_prefix = get_script_prefix()
        if tenant is None:
            connection.set_schema_to_public()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        else:
            connection.set_tenant(tenant)
            request.urlconf = settings.ROOT_URLCONF
            if prefix:
                set_script_prefix(prefix)
        request.tenant = tenant
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(old_prefix)
