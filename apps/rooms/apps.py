from django.apps import AppConfig


class RoomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.rooms"

    def ready(self) -> None:
        from apps.rooms import reference

        reference.connect()
