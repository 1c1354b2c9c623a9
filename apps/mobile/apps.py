from django.apps import AppConfig


class MobileConfig(AppConfig):
    """The owner's mini-program API: endpoints composed from other apps' selectors and
    services. No models of its own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.mobile"
    verbose_name = "Owner app API"
