from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    """A store (门店, "department" in the requirements). Every business row belongs to one."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["id"]
        # Object-level grants given per store through django-guardian.
        permissions = [
            ("access_store", _("Work in the store (front desk operations)")),
            ("manage_store", _("Manage the store (manager-only actions)")),
        ]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A staff member's role in this tenant and their current store."""

    class Role(models.TextChoices):
        # Sees and manages every store, staff and settings of the tenant.
        TENANT_ADMIN = "tenant_admin", _("Tenant admin")
        # Manages the stores granted to them (prices, locks, overrides, night audit).
        STORE_MANAGER = "store_manager", _("Store manager")
        # Day-to-day front-desk work in the stores granted to them.
        FRONT_DESK = "front_desk", _("Front desk")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.FRONT_DESK)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    current_store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class Setting(models.Model):
    """A configuration value: tenant-wide when ``store`` is NULL, else a store override.

    ``pms_tenant_settings`` semantics; the tenant id of the spec is implied by the schema.
    """

    class ValueType(models.TextChoices):
        STRING = "string", _("Text")
        INT = "int", _("Whole number")
        DECIMAL = "decimal", _("Decimal")
        BOOL = "bool", _("Yes/no")
        JSON = "json", _("JSON")
        TIME = "time", _("Time of day")

    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE, related_name="settings")
    group = models.CharField(_("group"), max_length=100, default="general")
    key = models.CharField(_("key"), max_length=100)
    value = models.TextField(_("value"), blank=True)
    value_type = models.CharField(_("type"), max_length=20, choices=ValueType.choices, default=ValueType.STRING)
    description = models.TextField(_("description"), blank=True)
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    TYPES: ClassVar[tuple[str, ...]] = tuple(ValueType.values)

    class Meta:
        verbose_name = _("setting")
        verbose_name_plural = _("settings")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "key"], condition=Q(store__isnull=True), name="setting_unique_tenant_wide"
            ),
            models.UniqueConstraint(
                fields=["store", "group", "key"], condition=Q(store__isnull=False), name="setting_unique_per_store"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}.{self.key}"
