"""Template filters for Vietnamese numbers, money and times, built into every template (see
TEMPLATES in the settings): `{{ fee|vn_money }}`, `{{ size|vn_bytes }}`, `{{ n|vn_number }}`,
`{{ at|vn_datetime }}`, `{{ day|vn_date }}`. They call motcua.core.formats."""

from __future__ import annotations

from django import template

from motcua.core import formats

register = template.Library()
register.filter("vn_money", formats.format_money)
register.filter("vn_bytes", formats.format_bytes)
register.filter("vn_number", formats.format_number)
register.filter("vn_datetime", formats.format_datetime)
register.filter("vn_date", formats.format_date)
