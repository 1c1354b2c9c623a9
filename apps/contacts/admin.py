"""Admin for contacts: masked values only; exact search by number through the blind
indexes; every write goes through the services (validation, encryption, reuse)."""
from django import forms
from django.contrib import admin, messages
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from apps.common.admin import ReadOnlyAdminMixin
from apps.common.errors import DomainError
from apps.contacts.documents import DocumentType, validate_document
from apps.contacts.models import Contact, ContactLookupLog, ContactRevealLog
from apps.contacts.phones import normalize_phone
from apps.contacts.selectors import contact_number_kinds, contact_search_tenant
from apps.contacts.services import (
    PROFILE_FIELDS,
    LookupThrottled,
    contact_create_or_reuse,
    contact_erase,
    contact_lookup,
    contact_update,
)


class ContactAdminForm(forms.ModelForm):
    new_phone = forms.CharField(label=_("Phone (new)"), required=False, max_length=40,
                                help_text=_("Leave empty to keep the current phone."))
    new_id_type = forms.ChoiceField(label=_("Document type (new)"), choices=[("", "---"), *DocumentType.choices], required=False)
    new_id_number = forms.CharField(label=_("Document number (new)"), required=False, max_length=40,
                                    help_text=_("Leave empty to keep the current document."),
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    # Stored encrypted and never shown here (it completes a masked document number).
    birth_date = forms.DateField(label=_("Birth date (new)"), required=False,
                                 help_text=_("Leave empty to keep the birth date on file."))

    class Meta:
        model = Contact
        fields = ["store", "contact_type", "full_name", *(f for f in PROFILE_FIELDS if f != "birth_date")]

    def clean(self):
        data = super().clean()
        try:
            if data.get("new_phone"):
                normalize_phone(data["new_phone"])
            if data.get("new_id_number"):
                validate_document(
                    id_type=data.get("new_id_type") or DocumentType.RESIDENT_ID, id_number=data["new_id_number"],
                    nationality=data.get("nationality") or None,
                )
        except DomainError as exc:
            field = next(iter(exc.extra.get("fields", {})), None)
            self.add_error({"phone": "new_phone", "id_number": "new_id_number"}.get(field, None), exc.message)
        return data


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactAdminForm
    list_display = ["full_name", "store", "contact_type", "phone_masked", "id_type", "id_number_masked", "status", "created_at"]
    list_filter = ["store", "contact_type", "status", "id_type"]
    list_select_related = ["store"]
    search_fields = ["full_name"]
    search_help_text = _("Name contains, or an exact document number or phone.")
    readonly_fields = ["phone_masked", "id_type", "id_number_masked", "status", "created_at", "updated_at", "erased_at"]
    actions = ["erase_selected"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        return fields + ["store"] if obj is not None else fields

    def get_search_results(self, request, queryset, search_term):
        # Names with the default search; numbers through the blind indexes (never decrypting).
        # A number counts against the user's lookup limit and is logged, like everywhere.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        kinds = contact_number_kinds(search_term)
        if kinds:
            try:
                ids = contact_lookup(
                    actor=request.user, store=None, kinds=kinds[:1], place="admin",
                    run=lambda: list(contact_search_tenant(filters={"number": search_term}).values_list("pk", flat=True)[:100]),
                )
            except LookupThrottled as exc:
                messages.error(request, exc.message)
                ids = []
            results = results | queryset.filter(pk__in=ids)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        profile = {k: data[k] for k in PROFILE_FIELDS if k in data}
        if not profile.get("birth_date"):
            profile.pop("birth_date", None)  # empty keeps what is on file
        kwargs = {}
        if data.get("new_phone"):
            kwargs["phone"] = data["new_phone"]
        if data.get("new_id_number"):
            kwargs.update(id_type=data.get("new_id_type") or DocumentType.RESIDENT_ID, id_number=data["new_id_number"])
        if change:
            saved = contact_update(
                contact=obj, actor=request.user, full_name=data["full_name"], contact_type=data["contact_type"],
                **kwargs, **profile,
            )
        else:
            result = contact_create_or_reuse(
                store=data["store"], full_name=data["full_name"], contact_type=data["contact_type"],
                actor=request.user, **kwargs, **profile,
            )
            saved = result.contact
            if not result.created:
                messages.info(request, _("A profile with this document or phone already existed; it was reused."))
        for field in Contact._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    @method_decorator(sensitive_post_parameters("new_phone", "new_id_number"))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Contacts are erased (anonymised), never deleted: orders and folios point at them.
        return False

    @admin.action(description=_("Erase personal data of the selected contacts"))
    def erase_selected(self, request, queryset):
        done = 0
        for contact in queryset.filter(status=Contact.Status.ACTIVE).select_related("store"):
            try:
                contact_erase(contact=contact, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{contact.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(count)d contact(s) erased.") % {"count": done}, messages.SUCCESS)


@admin.register(ContactRevealLog)
class ContactRevealLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "contact", "user", "action", "fields", "reason"]
    list_filter = ["action"]
    list_select_related = ["contact", "user"]
    readonly_fields = ["created_at", "contact", "user", "action", "fields", "reason"]


@admin.register(ContactLookupLog)
class ContactLookupLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who looked contacts up by a phone or document number (never the number itself)."""

    list_display = ["created_at", "user", "store", "kind", "place", "matches", "throttled"]
    list_filter = ["kind", "place", "throttled"]
    list_select_related = ["user", "store"]
    readonly_fields = ["created_at", "user", "store", "kind", "place", "matches", "throttled"]
