"""Input and output shapes of the contacts API. Outputs carry masked numbers only;
the clear values come from the reveal and export endpoints, which are logged."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.contacts.documents import DocumentType, Gender
from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.selectors import FIELD_BIRTH_DATE, FIELD_ID_NUMBER, FIELD_PHONE


@extend_schema_field({"type": "string", "description": "`active` (a live profile) or `erased` (personal data erased)."})
class ContactStatusField(serializers.CharField):
    """A plain string in the schema: an enum would collide with orders' ``status`` enum
    (drf-spectacular names both StatusEnum) until ENUM_NAME_OVERRIDES names them."""


class ContactOutSerializer(serializers.ModelSerializer):
    store_id = serializers.IntegerField(read_only=True)
    status = ContactStatusField(read_only=True)
    phone_masked = serializers.CharField(read_only=True, help_text=_("Masked phone, e.g. 138****5678."))
    id_number_masked = serializers.CharField(
        read_only=True, help_text=_("Masked document number: only its end, e.g. **************1234."),
    )
    has_phone = serializers.SerializerMethodField()
    has_document = serializers.SerializerMethodField()
    has_birth_date = serializers.SerializerMethodField(
        help_text=_("Whether a birth date is on file. The date itself comes from reveal/ (it completes a document number)."),
    )

    class Meta:
        model = Contact
        fields = [
            "id", "store_id", "contact_type", "full_name", "phone_masked", "has_phone", "email", "gender",
            "nationality", "has_birth_date", "address", "id_type", "id_number_masked", "has_document", "status",
            "notes", "created_at", "updated_at", "erased_at",
        ]

    def get_has_phone(self, obj) -> bool:
        return bool(obj.phone_blind_index)

    def get_has_document(self, obj) -> bool:
        return bool(obj.id_number_blind_index)

    def get_has_birth_date(self, obj) -> bool:
        return bool(obj.birth_date_encrypted)


class ContactCreatedSerializer(ContactOutSerializer):
    reused = serializers.BooleanField(help_text=_("True if an existing profile with this document or phone was returned."))

    class Meta(ContactOutSerializer.Meta):
        fields = ContactOutSerializer.Meta.fields + ["reused"]


class ContactSearchOutSerializer(ContactOutSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)

    class Meta(ContactOutSerializer.Meta):
        fields = ContactOutSerializer.Meta.fields + ["store_name"]


class _ContactFieldsIn(serializers.Serializer):
    contact_type = serializers.ChoiceField(choices=Contact.Type.choices, required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text=_("Any format; Chinese mobiles as typed. Stored as E.164."))
    email = serializers.CharField(required=False, allow_blank=True, max_length=255)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    nationality = serializers.CharField(required=False, allow_blank=True, max_length=3, help_text=_("ISO 3166-1 alpha-3, e.g. CHN."))
    birth_date = serializers.DateField(required=False, allow_null=True, write_only=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    id_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, allow_blank=True)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40, write_only=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ContactCreateInSerializer(_ContactFieldsIn):
    full_name = serializers.CharField(max_length=255)
    existing_contact_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
        help_text=_("After 409 document_belongs_to_other_contact: its extra.contact_id, to use that existing profile."),
    )


class ContactUpdateInSerializer(_ContactFieldsIn):
    full_name = serializers.CharField(max_length=255, required=False)


class ContactSearchQuerySerializer(serializers.Serializer):
    """Query parameters of a name search, checked like any input: a NUL in ``q`` (which
    PostgreSQL cannot compare text with) is a 400, not a server error."""

    q = serializers.CharField(required=False, allow_blank=True)


class ContactFilterSerializer(ContactSearchQuerySerializer):
    """The store's list filters (documented as ``LIST_PARAMETERS`` in the API)."""

    # an empty value (``?status=``) is a 400, as the schema's enum says (refuse_blank_query)
    contact_type = serializers.ChoiceField(choices=Contact.Type.choices, required=False)
    status = serializers.ChoiceField(choices=Contact.Status.choices, required=False)


class TenantContactSearchQuerySerializer(ContactSearchQuerySerializer):
    """The tenant-wide search: ``q`` is required, as documented (an empty ``q`` finds nobody)."""

    q = serializers.CharField(required=True, allow_blank=True)


class ContactLookupInSerializer(serializers.Serializer):
    """Exact lookup in the request body, so numbers stay out of URLs and access logs."""

    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    id_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)

    def validate(self, attrs):
        if not (attrs.get("id_number") or attrs.get("phone")):
            raise serializers.ValidationError(_("Give a document number or a phone."))
        return attrs


class RevealInSerializer(serializers.Serializer):
    fields = serializers.MultipleChoiceField(
        choices=[(FIELD_ID_NUMBER, _("Document number")), (FIELD_PHONE, _("Phone")), (FIELD_BIRTH_DATE, _("Birth date"))],
        required=False, default=[FIELD_ID_NUMBER, FIELD_PHONE, FIELD_BIRTH_DATE],
        allow_empty=False, error_messages={"empty": _("Choose what to reveal.")},
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RevealOutSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    birth_date = serializers.CharField(required=False, help_text=_("ISO date, or empty when none is on file."))


class RevealLogOutSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", default=None, read_only=True)

    class Meta:
        model = ContactRevealLog
        fields = ["id", "contact_id", "user_id", "username", "action", "fields", "reason", "created_at"]
