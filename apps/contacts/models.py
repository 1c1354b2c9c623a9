"""Contacts (``cmn_contacts``): bookers, guests and company contacts of a store.

Document numbers and phones are never stored in clear: each has an AES-GCM ciphertext
bound to the tenant and field (``apps.contacts.crypto``), a blind index for exact
lookups, and a masked display form. See docs/contacts.md.
"""
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.contacts.documents import DocumentType, Gender


class Contact(models.Model):
    class Type(models.TextChoices):
        # Made the booking (may not stay).
        BOOKER = "booker", _("Booker")
        # Stays in a room; registered with the police.
        GUEST = "guest", _("Guest")
        # Contact person of a company account.
        COMPANY_CONTACT = "company_contact", _("Company contact")

    class Status(models.TextChoices):
        # A live profile: can be booked, found and reused.
        ACTIVE = "active", _("Active")
        # Personal data erased on request (PIPL); the row stays so stays and folios keep their links.
        ERASED = "erased", _("Erased")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.ACTIVE: frozenset({Status.ERASED}),
        Status.ERASED: frozenset(),
    }

    IdType = DocumentType
    Gender = Gender

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="contacts", verbose_name=_("store"))
    contact_type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.GUEST)
    full_name = models.CharField(_("full name"), max_length=255)
    # Phone: E.164 encrypted; blind index for exact lookup; masked form for display.
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True, default="")
    phone_blind_index = models.CharField(max_length=64, null=True, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=32, blank=True, default="")
    email = models.EmailField(_("email"), max_length=255, blank=True, default="")
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True, default="")
    # ISO 3166-1 alpha-3 (CHN, HKG, MAC, TWN, USA...), as police registration expects.
    nationality = models.CharField(_("nationality"), max_length=3, blank=True, default="")
    # Birth date: ISO date encrypted like the numbers (it rebuilds the hidden digits of a
    # resident ID). Read through ``contact_birth_date`` or a reveal; never shown masked.
    birth_date_encrypted = models.TextField(_("birth date (encrypted)"), blank=True, default="")
    address = models.CharField(_("home address"), max_length=300, blank=True, default="")
    id_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices, blank=True, default="")
    id_number_encrypted = models.TextField(_("document number (encrypted)"), blank=True, default="")
    id_number_blind_index = models.CharField(max_length=64, null=True, blank=True)
    id_number_masked = models.CharField(_("document number"), max_length=40, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        permissions = [
            ("reveal_document", _("Reveal ID documents and phone numbers")),
        ]
        indexes = [
            models.Index(fields=["id_number_blind_index"], name="contact_doc_bidx"),
            models.Index(fields=["phone_blind_index"], name="contact_phone_bidx"),
            models.Index(fields=["store", "full_name"], name="contact_store_name"),
        ]
        constraints = [
            # One guest, one profile: a document identifies a person in a store.
            models.UniqueConstraint(
                fields=["store", "id_type", "id_number_blind_index"],
                condition=Q(status="active", id_number_blind_index__isnull=False),
                name="contact_unique_document_per_store",
            ),
            # A profile known only by its phone is unique per store (several documented
            # guests of one family may share a phone).
            models.UniqueConstraint(
                fields=["store", "phone_blind_index"],
                condition=Q(status="active", phone_blind_index__isnull=False, id_number_blind_index__isnull=True),
                name="contact_unique_phone_only_per_store",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "erased"]), name="contact_status_valid",
            ),
            # A document is a type and a number, or neither.
            models.CheckConstraint(
                condition=(Q(id_type="") & Q(id_number_encrypted="") & Q(id_number_blind_index__isnull=True))
                | (~Q(id_type="") & ~Q(id_number_encrypted="") & Q(id_number_blind_index__isnull=False)),
                name="contact_document_complete",
            ),
            models.CheckConstraint(
                condition=(Q(phone_encrypted="") & Q(phone_blind_index__isnull=True))
                | (~Q(phone_encrypted="") & Q(phone_blind_index__isnull=False)),
                name="contact_phone_complete",
            ),
            # Erased means erased: nothing left to find or decrypt.
            models.CheckConstraint(
                condition=~Q(status="erased")
                | (Q(id_number_encrypted="") & Q(phone_encrypted="") & Q(erased_at__isnull=False)),
                name="contact_erased_is_empty",
            ),
        ]

    def __str__(self) -> str:
        # Safe for logs and admin: never a document number or phone in clear.
        return f"{self.full_name} ({self.id_number_masked or self.phone_masked or self.pk})"

    def __repr__(self) -> str:
        return f"<Contact id={self.pk} store={self.store_id} doc={self.id_number_masked!r} phone={self.phone_masked!r}>"

    @property
    def is_erased(self) -> bool:
        return self.status == self.Status.ERASED


class ContactRevealLog(models.Model):
    """One row each time someone sees a contact's protected data in clear (reveal, export)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal")
        EXPORT = "export", _("Personal data export")

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.REVEAL)
    # Comma-separated names of the fields shown in clear (id_number, phone).
    fields = models.CharField(_("fields"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("contact reveal")
        verbose_name_plural = _("contact reveals")
        ordering = ["-id"]
        indexes = [models.Index(fields=["contact", "created_at"], name="contact_reveal_contact_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.fields} contact={self.contact_id} by={self.user_id}"


class ContactLookupLog(models.Model):
    """One row per lookup of contacts by a phone or document number (API, pages, the desk's
    order search), refused ones included: who, when, which kind, how many matched. Never
    the number looked up."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        DOCUMENT = "id_number", _("Document number")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Where the lookup came from: "api", "guest_page", "order_search", "admin", ...
    place = models.CharField(_("place"), max_length=30)
    # Contacts (or orders, for the order search) found; null when refused.
    matches = models.IntegerField(_("matches"), null=True, blank=True)
    throttled = models.BooleanField(_("refused (limit reached)"), default=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("contact lookup")
        verbose_name_plural = _("contact lookups")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="contact_lookup_user_at")]

    def __str__(self) -> str:
        return f"lookup {self.kind} by={self.user_id} matches={self.matches}"
