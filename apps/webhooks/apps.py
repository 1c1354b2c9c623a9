from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.webhooks"

    def ready(self):
        # Orders call their outbox subscribers after an order change committed: the webhook
        # pump is one (an explicit registry, not a signal). The beat sweep covers whatever a
        # kick missed, every minute.
        from apps.orders.services import order_outbox_subscribe
        from apps.webhooks.tasks import outbox_kick

        order_outbox_subscribe(outbox_kick)
