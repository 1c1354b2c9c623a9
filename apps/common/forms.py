"""What the back-office forms share: a date input, and a service's refusal shown on a form."""
from __future__ import annotations

from django import forms

from apps.common.errors import DomainError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: its field errors on those fields (a service's
    field name mapped to the form's by ``field_map``), else at the top."""
    placed = False
    for name, messages in ((exc.extra or {}).get("fields") or {}).items():
        target = (field_map or {}).get(name, name)
        if target in form.fields:
            for message in messages:
                form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
