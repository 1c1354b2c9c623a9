from django.apps import AppConfig


class TenancyPublicConfig(AppConfig):
    """Public-schema half of tenancy: operators (tenants) and their domains."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.tenancy.public"
    label = "tenancy_public"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.tenancy.public import selectors
        from apps.tenancy.public.models import Domain, Tenant

        # Cache invalidation is what signals are for (STYLE 11).
        for model in (Tenant, Domain):
            post_save.connect(selectors.tenant_cache_clear_signal, sender=model, dispatch_uid=f"tc-save-{model.__name__}")
            post_delete.connect(selectors.tenant_cache_clear_signal, sender=model, dispatch_uid=f"tc-del-{model.__name__}")
