"""What every app's Django admin shares."""
from __future__ import annotations


class ReadOnlyAdminMixin:
    """No add, change or delete: rows written by the services (ledgers, logs, audit records).
    For model admins and inlines alike (inlines pass ``obj`` to ``has_add_permission``)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
