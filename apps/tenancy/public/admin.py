"""The platform admin (public schema only). Tenant admins use the default admin site."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from apps.tenancy.admin_site import ThrottledAdminSiteMixin
from apps.tenancy.public.models import Domain, Tenant


class PlatformAdminSite(ThrottledAdminSiteMixin, admin.AdminSite):
    site_header = "PMS platform"
    site_title = "PMS platform"


platform_admin_site = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant, site=platform_admin_site)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "schema_name", "is_active", "created_at"]
    search_fields = ["slug", "name"]
    readonly_fields = ["schema_name", "slug"]
    inlines = [DomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_template=False)

    def has_add_permission(self, request):
        return False  # `manage.py provision_tenant` creates tenants in one transaction

    def has_delete_permission(self, request, obj=None):
        return False  # dropping a schema is not a click in a list


platform_admin_site.register(User, UserAdmin)
platform_admin_site.register(Group, GroupAdmin)
