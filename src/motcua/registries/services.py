"""Writes into the national databases that a signed result causes (cập nhật cơ sở dữ liệu từ
kết quả giải quyết thủ tục hành chính).

The exchange has no write concept yet (its data services only read), so the competent
authority's systems call these functions when a result is signed: a birth registration gives
the child a personal ID and a record in the population registry, a permanent residence
registration writes the address, a death registration marks the person dead, a removal from
permanent residence clears the address. Each function:

- is idempotent by the registration number (the dossier code of the procedure): run twice
  after a retry, it leaves one effect and returns the same answer;
- writes the change (the record's version is bumped by `RegistryRecord.save`) and one audit
  entry naming the actor, the registration number and the record version, in the caller's
  transaction;
- never reads or returns more than the caller needs to go on (the new personal ID, the record
  version)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput, NotFound

from .civil_status.models import CivilEvent
from .population.models import Household, Person


@dataclass(frozen=True)
class Written:
    """What a write left: whose record, at which version, and whether it was new now."""

    personal_id: str
    version: int
    created: bool
    registration_no: str


def _audit(actor: str, action: str, person: Person, registration_no: str, **data: object) -> None:
    audit.record(
        actor=actor,
        action=f"registries.population.{action}",
        target_type="registries.person",
        target_id=person.personal_id,
        purpose=f"cap-nhat-tu-ket-qua:{registration_no}",
        data={"registration_no": registration_no, "version": person.version, **data},
    )


def _person(personal_id: str) -> Person:
    person = Person.objects.select_for_update().filter(personal_id=personal_id).first()
    if person is None:
        raise NotFound(f"Không có công dân số định danh {personal_id[:12]}.")
    return person


def new_personal_id(province_code: str, birth_date: dt.date, sex: str) -> str:
    """The next free personal ID for a person born on `birth_date` whose birth is registered
    in province `province_code`: 3-digit province, century-and-sex digit (0/1 for 1900s,
    2/3 for 2000s; even male, odd female), 2-digit year, 6-digit serial."""
    if sex not in ("M", "F") or len(province_code) != 2 or not province_code.isdigit():
        raise InvalidInput("Cần tỉnh đăng ký khai sinh và giới tính để cấp số định danh.")
    century = (birth_date.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    if not 0 <= century <= 9:
        raise InvalidInput("Năm sinh không hợp lệ để cấp số định danh.")
    prefix = f"0{province_code}{century}{birth_date.year % 100:02d}"
    last = Person.objects.filter(personal_id__startswith=prefix).aggregate(m=Max("personal_id"))
    serial = int(last["m"][6:]) + 1 if last["m"] else 1
    if serial > 999_999:
        raise Conflict("Hết số định danh cho tỉnh và năm sinh này.")
    return f"{prefix}{serial:06d}"


@transaction.atomic
def register_birth(
    *,
    registration_no: str,
    commune_code: str,
    full_name: str,
    birth_date: dt.date,
    sex: str,
    father_id: str = "",
    mother_id: str = "",
    actor: str,
) -> Written:
    """A signed birth registration (đăng ký khai sinh): a new person with a new personal ID in
    the population registry, and the birth event in the civil status registry."""
    done = CivilEvent.objects.filter(registration_no=registration_no).first()
    if done is not None:
        if done.kind != CivilEvent.Kind.BIRTH:
            raise Conflict(f"Số đăng ký {registration_no} đã dùng cho sự kiện khác.")
        person = Person.objects.get(personal_id=done.subject_id)
        return Written(person.personal_id, person.version, False, registration_no)
    if not full_name.strip() or len(commune_code) != 5:
        raise InvalidInput("Cần họ tên của trẻ và xã nơi đăng ký khai sinh.")
    from motcua.units import selectors as units

    province = units.get_commune(commune_code).province_id
    parents = {
        p.personal_id: p for p in Person.objects.filter(personal_id__in=[father_id, mother_id])
    }
    person = Person.objects.create(
        personal_id=new_personal_id(province, birth_date, sex),
        full_name=full_name.strip(),
        birth_date=birth_date,
        sex=sex,
        birth_place_code=commune_code,
        province_code=province,
        father=parents.get(father_id),
        mother=parents.get(mother_id),
    )
    today = timezone.localdate()
    CivilEvent.objects.create(
        kind=CivilEvent.Kind.BIRTH,
        registration_no=registration_no,
        commune_code=commune_code,
        registered_on=today,
        event_date=birth_date,
        subject_id=person.personal_id,
        father_id=father_id if father_id in parents else "",
        mother_id=mother_id if mother_id in parents else "",
        province_code=province,
    )
    _audit(actor, "person_born", person, registration_no, commune=commune_code)
    return Written(person.personal_id, person.version, True, registration_no)


@transaction.atomic
def register_permanent_residence(
    *,
    personal_id: str,
    commune_code: str,
    address: str,
    registration_no: str,
    actor: str,
    household_of: str = "",
    relation_to_head: str = "",
) -> Written:
    """A signed permanent residence registration (đăng ký thường trú): the person's address,
    and their household (that of `household_of`, when given and registered)."""
    person = _person(personal_id)
    if (
        person.permanent_commune_code == commune_code
        and person.permanent_address == address
        and person.relation_to_head == (relation_to_head or person.relation_to_head)
    ):
        return Written(person.personal_id, person.version, False, registration_no)
    household: Household | None = None
    if household_of:
        head = Person.objects.filter(personal_id=household_of).select_related("household").first()
        household = head.household if head else None
    person.permanent_commune_code = commune_code
    person.permanent_address = address[:255]
    if household is not None:
        person.household = household
        person.relation_to_head = relation_to_head[:20]
    person.save()
    _audit(actor, "residence_registered", person, registration_no, commune=commune_code)
    return Written(person.personal_id, person.version, True, registration_no)


@transaction.atomic
def register_death(
    *, personal_id: str, death_date: dt.date, commune_code: str, registration_no: str, actor: str
) -> Written:
    """A signed death registration (đăng ký khai tử): the person is dead in the population
    registry, and the death event is in the civil status registry."""
    person = _person(personal_id)
    done = CivilEvent.objects.filter(registration_no=registration_no).first()
    if done is not None:
        return Written(person.personal_id, person.version, False, registration_no)
    person.status = Person.Status.DEAD
    person.death_date = death_date
    person.save()
    CivilEvent.objects.create(
        kind=CivilEvent.Kind.DEATH,
        registration_no=registration_no,
        commune_code=commune_code,
        registered_on=timezone.localdate(),
        event_date=death_date,
        subject_id=person.personal_id,
        province_code=person.province_code,
    )
    _audit(actor, "person_died", person, registration_no, commune=commune_code)
    return Written(person.personal_id, person.version, True, registration_no)


@transaction.atomic
def remove_permanent_residence(*, personal_id: str, registration_no: str, actor: str) -> Written:
    """A signed removal from permanent residence (xóa đăng ký thường trú)."""
    person = _person(personal_id)
    if not person.permanent_commune_code and not person.permanent_address:
        return Written(person.personal_id, person.version, False, registration_no)
    previous = person.permanent_commune_code
    person.permanent_commune_code = ""
    person.permanent_address = ""
    person.household = None
    person.relation_to_head = ""
    person.save()
    _audit(actor, "residence_removed", person, registration_no, previous_commune=previous)
    return Written(person.personal_id, person.version, True, registration_no)
