"""The vi-VN formats every page, PDF, e-mail and SMS uses."""

import datetime as dt
from decimal import Decimal

from django.template import engines

from motcua.core import formats

UTC_EVENING = dt.datetime(2026, 12, 2, 11, 43, tzinfo=dt.UTC)


def test_an_instant_is_written_in_vietnam_time():
    assert formats.format_datetime(UTC_EVENING) == "18:43 02/12/2026"
    # 20:00 UTC is already the next day in Hà Nội
    late = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)
    assert formats.format_date(late) == "03/12/2026"
    assert formats.format_datetime(None) == ""


def test_numbers_group_thousands_with_a_dot_and_decimals_with_a_comma():
    assert formats.format_number(37695) == "37.695"
    assert formats.format_number(1234567) == "1.234.567"
    assert formats.format_number(Decimal("1234.5")) == "1.234,5"
    assert formats.format_number(0.25) == "0,25"
    assert formats.format_number(12, decimals=1) == "12,0"


def test_money_and_sizes_read_as_vietnamese():
    assert formats.format_money(8000) == "8.000 đồng"
    assert formats.format_money(1500000) == "1.500.000 đồng"
    assert formats.format_bytes(37695) == "37.695 byte"


def test_every_template_has_the_filters_without_loading_them():
    template = engines["django"].from_string(
        "{{ fee|vn_money }} · {{ size|vn_bytes }} · {{ at|vn_datetime }}"
    )
    rendered = template.render({"fee": 8000, "size": 37695, "at": UTC_EVENING})
    assert rendered == "8.000 đồng · 37.695 byte · 18:43 02/12/2026"


def test_a_value_that_is_not_a_number_is_shown_as_it_is():
    assert formats.format_number("—") == "—"
    assert formats.format_number(float("nan")) == "nan"
