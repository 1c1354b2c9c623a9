"""Template filters of the report pages."""
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value, places: int = 1) -> str:
    """A ratio (0.4000) as a percentage ("40.0%"); "—" for None."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.{int(places)}f}%"


@register.filter
def signed_pct(value) -> str:
    """A change (0.1250) as "+12.5%"; "—" for None."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:+.1f}%"


@register.filter
def points(value) -> str:
    """A difference of two ratios (0.0500) as "+5.0 pt"; "—" for None."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:+.1f} pt"
