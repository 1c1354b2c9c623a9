"""The URLs of a tenant plus ``one-query``: a view that sends exactly one statement, to
count what the tenant resolution adds to a request (test_tenant_resolution.py)."""
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path


def one_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({})


urlpatterns = [path("one-query", one_query), path("", include("config.urls"))]
