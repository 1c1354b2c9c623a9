from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Store(models.Model):
    """A store (门店, "department" in the requirements). Every business row belongs to one."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # A name in the default storage (``apps.tenancy.uploads``), never a URL typed by a user.
    logo = models.CharField(_("logo"), max_length=300, blank=True, default="")
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
            ("clean_store", _("Housekeeping in the store (rooms, cleaning, maintenance)")),
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
        # Rooms, cleaning and maintenance in the stores granted to them; no money, no guests.
        HOUSEKEEPING = "housekeeping", pgettext_lazy("role", "Housekeeping")

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

    # group and key: the columns' length (a longer path is refused, not truncated)
    NAME_MAX_LENGTH: ClassVar[int] = 100

    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE, related_name="settings")
    group = models.CharField(_("group"), max_length=NAME_MAX_LENGTH, default="general")
    key = models.CharField(_("key"), max_length=NAME_MAX_LENGTH)
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


class ChangeRecord(models.Model):
    """Who changed which setting of the tenant or a store, when, from what to what
    (the back office's 变更记录). Append-only: written by ``change_record`` only.

    ``before`` and ``after`` hold the changed fields' values as shown to a manager (text),
    never a password or a document number."""

    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # what was changed: "store", "room_type", "room", "payment_method", "extra_item", "channel", "staff", "setting"
    area = models.CharField(_("area"), max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=40)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("changed at"), db_default=Now())

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="changerecord_store_created")]

    def __str__(self) -> str:
        return f"{self.area} {self.object_label}: {self.action}"


class UserDevice(models.Model):
    """A phone or mini-program install a staff member signs in from (``pms_tenant_user_devices``)."""

    class DeviceType(models.TextChoices):
        # The owner's WeChat mini-program (uni-app build).
        WECHAT_MP = "wechat_mp", _("WeChat mini-program")
        IOS = "ios", _("iOS app")
        ANDROID = "android", _("Android app")
        H5 = "h5", _("Mobile web")
        OTHER = "other", pgettext_lazy("device", "Other")

    class Status(models.TextChoices):
        # Signed in at least once and not signed out since.
        ACTIVE = "active", pgettext_lazy("device", "Active")
        # The user signed out from this device; a new log-in makes it active again.
        LOGGED_OUT = "logged_out", pgettext_lazy("device", "Logged out")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    device_type = models.CharField(_("device type"), max_length=50, choices=DeviceType.choices, default=DeviceType.OTHER)
    device_token = models.CharField(_("device token"), max_length=512, blank=True)
    app_version = models.CharField(_("app version"), max_length=50, blank=True)
    status = models.CharField(pgettext_lazy("device", "status"), max_length=50, choices=Status.choices, default=Status.ACTIVE)
    last_login_at = models.DateTimeField(_("last log-in"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("device", "device")
        verbose_name_plural = pgettext_lazy("device", "devices")
        constraints = [
            models.UniqueConstraint(fields=["user", "device_type", "device_token"], name="userdevice_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.device_type}"


class ApiToken(models.Model):
    """An opaque API token, stored only as the SHA-256 of its text.

    The owner's app: one log-in starts a ``family``: its first access/refresh pair and
    every pair obtained by refreshing. A refresh token is single use; presenting a used one
    again revokes the whole family (the token was copied). Integrations: a named token of
    its own family with an expiry (90 days by default), revoked by its user or a tenant
    admin. Every token of a user is revoked when the password changes or the account is
    deactivated. Tokens live in the tenant's schema, so a token of one tenant does not
    exist in another.
    """

    class Kind(models.TextChoices):
        # Sent as ``Authorization: Bearer <token>`` on every API call; short-lived.
        ACCESS = "access", pgettext_lazy("token", "Access")
        # Exchanged once for a new pair at auth/refresh/; long-lived.
        REFRESH = "refresh", pgettext_lazy("token", "Refresh")
        # Sent as ``Authorization: Token <token>`` by scripts and integrations; named, expires.
        INTEGRATION = "integration", pgettext_lazy("token", "Integration")

    class RevokeReason(models.TextChoices):
        ROTATED = "rotated", _("Exchanged for a new pair")
        LOGOUT = "logout", pgettext_lazy("device", "Logged out")
        REUSE = "reuse", _("Refresh token used twice")
        # by its user or a tenant admin (API, admin, manage.py integration_token)
        REVOKED = "revoked", pgettext_lazy("token", "Revoked")
        PASSWORD = "password", _("Password changed")
        INACTIVE = "inactive", _("Account deactivated")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # integration tokens: what it is for ("channel manager", "accounting export")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(db_index=True)
    device = models.ForeignKey(UserDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=10, choices=RevokeReason.choices, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "kind"], name="apitoken_user_kind")]

    def __str__(self) -> str:
        return f"{self.name or self.kind} token of user {self.user_id}"


class WeChatBinding(models.Model):
    """Links a WeChat openid to a staff account, so the mini-program can log in with ``wx.login``.

    One openid per tenant schema and one openid per user: an openid already bound to
    another account must be unbound there first.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wechat_binding")
    openid = models.CharField(max_length=128, unique=True)
    unionid = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")

    def __str__(self) -> str:
        return f"WeChat binding of user {self.user_id}"


class StoreBusinessDay(models.Model):
    """The open business date of a store (one row per store, created on first use).

    Read and written only by ``apps.tenancy.business_day``: rolled by the night audit with
    ``UPDATE ... SET business_date = D + 1 WHERE business_date = D``; the audit holds this
    row's lock while it works, so two audits of one store never run at the same time.
    The table keeps the name it had when the night audit lived in ``apps.reports``.
    """

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="business_day")
    business_date = models.DateField(_("business date"))
    # When the current business date was opened (created, or the previous day's audit rolled it).
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        db_table = "reports_storebusinessday"
        verbose_name = _("business date")
        verbose_name_plural = _("business dates")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.business_date.isoformat()}"


class ReferenceVersion(models.Model):
    """The version of one area of reference data of the tenant (``apps.tenancy.reference_cache``):
    the id of the last transaction that changed it, bumped inside that transaction."""

    area = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return f"{self.area}: {self.version}"
