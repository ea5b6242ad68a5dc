import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.errors import InvalidInput
from motcua.identity import identifiers

provinces = st.sampled_from(sorted(identifiers.BIRTH_PROVINCE_CODES))
bad_provinces = (
    st.integers(0, 999)
    .map(lambda n: f"{n:03d}")
    .filter(lambda c: c not in identifiers.BIRTH_PROVINCE_CODES)
)
digits = st.text(alphabet="0123456789", min_size=6, max_size=6)


@st.composite
def personal_ids(draw):
    """A valid personal ID with the year and sex it must encode."""
    province = draw(provinces)
    year = draw(st.integers(1900, 2399))
    sex = draw(st.sampled_from(["male", "female"]))
    century_sex = (year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    return f"{province}{century_sex}{year % 100:02d}{draw(digits)}", year, sex


@given(personal_ids())
def test_personal_id_encodes_birth_year_and_sex(case):
    value, year, sex = case
    parsed = identifiers.parse_personal_id(value)
    assert (parsed.birth_year, parsed.sex, parsed.birth_province) == (year, sex, value[:3])


@given(personal_ids(), st.integers(1, 28), st.integers(1, 12))
def test_personal_id_agrees_with_matching_birth_date_and_sex(case, day, month):
    value, year, sex = case
    born = datetime.date(year, month, day)
    assert identifiers.validate_personal_id(value, birth_date=born, sex=sex) == value


@given(personal_ids(), st.integers(1, 150))
def test_personal_id_refuses_another_birth_year(case, offset):
    value, year, _sex = case
    with pytest.raises(InvalidInput):
        identifiers.validate_personal_id(value, birth_date=datetime.date(year + offset, 1, 1))


@given(personal_ids())
def test_personal_id_refuses_the_other_sex(case):
    value, _year, sex = case
    other = "female" if sex == "male" else "male"
    with pytest.raises(InvalidInput):
        identifiers.validate_personal_id(value, sex=other)


@given(bad_provinces, st.integers(0, 9), digits, st.integers(0, 99))
def test_personal_id_must_start_with_a_birth_province_code(province, cs, rest, yy):
    with pytest.raises(InvalidInput):
        identifiers.parse_personal_id(f"{province}{cs}{yy:02d}{rest}")


@given(
    st.text(max_size=20).filter(
        lambda s: not (len(s.strip()) == 12 and s.strip().isascii() and s.strip().isdigit())
    )
)
def test_anything_but_twelve_digits_is_not_a_personal_id(text):
    with pytest.raises(InvalidInput):
        identifiers.parse_personal_id(text)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_ten_digit_enterprise_code_is_kept(code):
    assert identifiers.normalise_enterprise_code(code) == code


@given(
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.integers(1, 999).map(lambda n: f"{n:03d}"),
)
def test_branch_code_with_or_without_dash_is_the_same(head, branch):
    expected = f"{head}-{branch}"
    assert identifiers.normalise_enterprise_code(f"{head}{branch}") == expected
    assert identifiers.normalise_enterprise_code(expected) == expected


@given(st.text(alphabet="0123456789-", max_size=16))
def test_enterprise_code_has_ten_or_thirteen_digits(text):
    compact = text.replace("-", "")
    if "-" in text:
        shaped = text.count("-") == 1 and text.index("-") == 10 and len(compact) == 13
    else:
        shaped = len(compact) in (10, 13)
    if shaped and not (len(compact) == 13 and compact[10:] == "000"):
        identifiers.normalise_enterprise_code(text)
    else:
        with pytest.raises(InvalidInput):
            identifiers.normalise_enterprise_code(text)


def test_demo_style_ids():
    assert identifiers.parse_personal_id("001085012345").birth_year == 1985
    assert identifiers.parse_personal_id("079301004567").sex == "female"
    assert identifiers.parse_personal_id("079301004567").birth_year == 2001
    with pytest.raises(InvalidInput):
        identifiers.normalise_enterprise_code("0101234567-000")
