from django.apps import AppConfig


class FoliosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.folios"
