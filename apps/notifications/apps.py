from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.notifications"
    verbose_name = _("Notifications")  # the Django admin's heading

    def ready(self):
        # Orders call their outbox subscribers on commit of an order change: the
        # notifications publisher is one (an explicit registry, not a signal). The beat
        # sweep publishes whatever a kick missed, every minute.
        from apps.notifications.services import outbox_kick
        from apps.orders.services import order_outbox_subscribe

        order_outbox_subscribe(outbox_kick)
