"""Validation of dossier data: registry values cannot be forged, hidden fields are dropped,
cross-field rules and repeatable groups hold, drafts are checked loosely."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from motcua.core.errors import InvalidInput
from motcua.eforms import services
from motcua.eforms.errors import FormInvalid

from .conftest import AN

pytestmark = pytest.mark.django_db


def _example(code: str):
    form = services.form_for(code)
    return form, services.example_document(form), services.example_prefill(form)


def test_the_example_of_birth_registration_is_cleaned(forms):
    form, data, prefill = _example("1.001193")
    data["child"]["birth_date"] = "15/01/2025"  # Vietnamese date order is accepted
    data["result"]["copies"] = "2"
    cleaned = services.validate(form, data, prefill)
    assert cleaned["child"]["birth_date"] == "2025-01-15"
    assert cleaned["result"]["copies"] == 2
    assert cleaned["other_parent"]["full_name"] == "Trần Thị Bình"


def test_a_changed_registry_value_is_refused_naming_the_field(forms):
    form, data, prefill = _example("1.001193")
    data["applicant"]["full_name"] = "Nguyễn Văn Anh"
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    source = "Cơ sở dữ liệu quốc gia về dân cư"
    assert caught.value.errors == {
        "applicant.full_name": f"Giá trị này lấy từ {source}, không được sửa."
    }
    assert isinstance(caught.value, InvalidInput)
    assert "applicant.full_name" in caught.value.detail


def test_registry_values_come_from_the_prefill_even_when_left_out(forms, family, consent):
    consent("1.001193")
    form = services.form_for("1.001193")
    prefill = services.prefill(form, subject_id=AN)
    data = services.example_document(form)
    for key in ("full_name", "birth_date", "sex", "personal_id", "permanent_address"):
        del data["applicant"][key]
    cleaned = services.validate(form, data, prefill)
    assert cleaned["applicant"]["full_name"] == "Nguyễn Văn An"
    assert cleaned["applicant"]["birth_date"] == "1985-03-12"


def test_read_only_fields_are_typed_when_the_registry_gave_nothing(forms):
    form, data, _ = _example("1.001193")
    empty = services.Prefill()
    assert services.validate(form, data, empty)["applicant"]["full_name"] == "Nguyễn Văn An"
    del data["applicant"]["full_name"]
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, empty)
    assert caught.value.errors == {"applicant.full_name": "Trường này là bắt buộc."}


def test_fields_hidden_by_a_condition_are_dropped(forms):
    form, data, prefill = _example("1.001193")
    data["child"]["birth_place_kind"] = "co-so-y-te"
    data["child"]["birth_place"] = 12345  # hidden: even a wrong value is ignored
    cleaned = services.validate(form, data, prefill)
    assert "birth_place" not in cleaned["child"]
    assert cleaned["child"]["birth_facility"] == "Bệnh viện Phụ sản Hà Nội"
    data["child"]["birth_place_kind"] = "ngoai-co-so-y-te"
    del data["child"]["birth_place"]
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {"child.birth_place": "Trường này là bắt buộc."}


def test_a_hidden_group_is_dropped_whole(forms):
    form, data, prefill = _example("1.001193")
    data["applicant"]["relation"] = "ong-ba"
    cleaned = services.validate(form, data, prefill)
    assert "other_parent" not in cleaned
    household = services.form_for("1.001612")
    doc = services.example_document(household)
    doc["business"]["registered_by"] = "ca-nhan"
    doc["members"] = "not even a list"
    assert "members" not in services.validate(household, doc, services.example_prefill(household))


def test_the_child_cannot_be_born_before_the_parent(forms):
    form, data, prefill = _example("1.001193")
    data["child"]["birth_date"] = "1980-01-01"
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {
        "child.birth_date": "Ngày sinh của trẻ phải sau ngày sinh của người đi đăng ký."
    }


def test_marriage_age_depends_on_sex_and_the_registry_marital_status_counts(forms):
    form, data, prefill = _example("1.000894")
    services.validate(form, data, prefill)
    young = dt.date.today().replace(year=dt.date.today().year - 19) - dt.timedelta(days=1)
    values = copy.deepcopy(prefill.values)
    values["applicant.birth_date"] = type(values["applicant.birth_date"])(
        **{**values["applicant.birth_date"].__dict__, "value": young.isoformat()}
    )
    values["applicant.marital_status"] = type(values["applicant.marital_status"])(
        **{**values["applicant.marital_status"].__dict__, "value": "married"}
    )
    data["applicant"]["birth_date"] = young.isoformat()
    data["applicant"]["marital_status"] = "married"
    young_prefill = services.Prefill(values=values)
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, young_prefill)
    assert caught.value.errors == {
        "applicant.birth_date": "Nam phải từ đủ 20 tuổi trở lên.",
        "applicant.marital_status": "Theo Cơ sở dữ liệu quốc gia về dân cư, bạn đang có vợ/chồng.",
    }


def test_the_same_person_cannot_be_both_parties(forms):
    form, data, prefill = _example("1.000894")
    data["spouse"]["personal_id"] = data["applicant"]["personal_id"]
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert (
        caught.value.errors["spouse.personal_id"] == "Số định danh của bên kia phải khác của bạn."
    )


def test_declarations_must_be_ticked(forms):
    form, data, prefill = _example("1.000894")
    data["commitment"]["voluntary"] = False
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {"commitment.voluntary": "Cần xác nhận mục này."}


def test_a_repeatable_group_has_its_minimum_and_maximum(forms):
    form, data, prefill = _example("3.000333")
    data["residences"] = []
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {"residences": "Cần ít nhất 1 mục."}
    item = services.example_document(form)["residences"][0]
    data["residences"] = [dict(item) for _ in range(21)]
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {"residences": "Tối đa 20 mục."}
    data["residences"] = [dict(item) for _ in range(20)]
    assert len(services.validate(form, data, prefill)["residences"]) == 20


def test_rules_apply_to_each_item_of_a_repeatable_group(forms):
    form, data, prefill = _example("3.000333")
    first = dict(data["residences"][0])
    second = dict(first, from_date="2021-01-01", to_date="2020-01-01")
    data["residences"] = [first, second]
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {
        "residences[1].to_date": "«Đến ngày» không được trước «Từ ngày»."
    }


def test_unknown_keys_and_bad_types_are_refused_by_path(forms):
    form, data, prefill = _example("3.000333")
    data["extra"] = 1
    data["applicant"]["nickname"] = "An"
    data["residences"][0]["floor"] = 3
    data["request"]["copies"] = "ba"
    data["applicant"]["email"] = "not-an-email"
    data["applicant"]["phone"] = "+84 912 345 678"
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {
        "extra": "Không có mục này trong biểu mẫu.",
        "applicant.nickname": "Không có trường này trong biểu mẫu.",
        "residences[0].floor": "Không có trường này trong biểu mẫu.",
        "request.copies": "Phải là một số nguyên.",
        "applicant.email": "Địa chỉ thư điện tử không hợp lệ.",
    }
    assert caught.value.detail.startswith("Biểu mẫu có 5 lỗi: ")


def test_a_commune_code_must_exist(forms):
    form, data, prefill = _example("1.004222")
    data["new_residence"]["commune_code"] = "99999"
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, data, prefill)
    assert caught.value.errors == {
        "new_residence.commune_code": "Không có xã, phường, đặc khu mã 99999."
    }


def test_a_draft_is_checked_for_types_only(forms):
    form, _, prefill = _example("1.004222")
    draft = {"new_residence": {"commune_code": "26743"}, "members": [{"full_name": "Khang"}]}
    cleaned = services.validate(form, draft, prefill, partial=True)
    assert cleaned["new_residence"] == {"commune_code": "26743"}
    assert cleaned["applicant"]["full_name"] == "Nguyễn Văn An"  # from the registry
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, {"members": [{"birth_date": "31/02/2020"}]}, prefill, partial=True)
    assert caught.value.errors == {"members[0].birth_date": "Ngày không có thật trên lịch."}
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, {"applicant": {"full_name": "X"}}, prefill, partial=True)
    assert "applicant.full_name" in caught.value.errors
    with pytest.raises(FormInvalid):
        services.validate(form, draft, prefill)  # the full check asks for the rest


def test_data_that_is_not_an_object_is_refused(forms):
    form, _, prefill = _example("1.004222")
    with pytest.raises(FormInvalid) as caught:
        services.validate(form, ["not", "an", "object"], prefill)  # type: ignore[arg-type]
    assert caught.value.errors == {"": "Dữ liệu biểu mẫu phải là một đối tượng JSON."}
