from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,39}$",
    _("Use 2-40 lower-case letters, digits or hyphens, starting with a letter or digit."),
)


class Tenant(TenantMixin):
    """An operator: one PostgreSQL schema holding all of its stores' data."""

    slug = models.CharField(_("slug"), max_length=40, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    # The template schema is a row too, so migrate_schemas keeps it current; it is
    # never served (see selectors.tenant_for_slug).
    is_template = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created by cloning the template (services.tenant_provision).
    auto_create_schema = False
    auto_drop_schema = True

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Domain(DomainMixin):
    """A host name that serves one tenant without the /t/<slug>/ prefix."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
