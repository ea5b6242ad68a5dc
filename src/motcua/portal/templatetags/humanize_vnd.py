from django import template
from django.utils.translation import gettext as _

from motcua.core.formats import format_money

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """12000 -> '12.000 đồng'; 0 -> 'Miễn phí'."""
    if not amount:
        return _("Miễn phí")
    return format_money(amount)
