from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """`mapping|get:key` — a dict lookup with a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None
