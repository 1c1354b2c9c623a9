from django.apps import AppConfig

from apps.common.metrics import scrape_collector_register


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.orders"

    def ready(self) -> None:
        from apps.orders import reference
        from apps.orders.services.outbox import outbox_state_samples

        reference.connect()
        scrape_collector_register(outbox_state_samples)
