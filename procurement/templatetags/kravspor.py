"""Small template helpers for Kravspor's pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:kind }}``: look a key up in a dict."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def plain_number(value):
    """A Decimal without trailing zeros (5.000 → 5, 2.500 → 2.5)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return "" if value is None else value
