from django.apps import AppConfig


class IcalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.ical"
    verbose_name = "iCal"
