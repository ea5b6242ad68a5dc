from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """{{ names|get_item:code }}: a dictionary's value for a key (blank when missing)."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
