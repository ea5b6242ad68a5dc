"""Synthetic but consistent registry data (dữ liệu mẫu) with Faker `vi_VN`.

People come in households: a couple married to each other (in population and in civil
status), their children (parents 20-42 years older, births registered), sometimes the
husband's parents (one of whom may have died: dead in population, a death event, the other
widowed). Enterprises are led by living adults, parcels are owned by household heads and
enterprises, adults pay social insurance, a few have a conviction flag. Residences and
registrations use the real commune codes.

Every batch is a pure function of (seed, batch index): row ids are derived from the batch, so
an interrupted run resumes at the next batch (GeneratorRun.next_batch) and gives the same data
as one run. On PostgreSQL rows go in with COPY; elsewhere with executemany.

With `defect_rate`, each batch also spoils a known share of records per quality rule and
records them in InjectedDefect, so the quality report can be checked to find exactly them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput

from .civil_status.models import CivilEvent
from .enterprise.models import Enterprise, LegalRepresentative
from .generator_models import GeneratorRun, InjectedDefect, QualitySnapshot
from .judicial.models import JudicialRecord
from .land.models import LandCertificate, Parcel
from .population.models import Household, Person
from .social_insurance.models import Participation

BAD_COMMUNE = "99999"
# Multiplier of the batch size for tables that may hold more rows than people in a batch.
_EVENT_SLOTS = 3

ENTERPRISE_KINDS = [
    "Công ty TNHH",
    "Công ty TNHH một thành viên",
    "Công ty cổ phần",
    "Doanh nghiệp tư nhân",
    "Công ty hợp danh",
]
LAND_USES = ["ONT", "ODT", "LUC", "CLN", "BHK", "NTS"]
TABLES: list[type[models.Model]] = [
    Household,
    Person,
    CivilEvent,
    Enterprise,
    LegalRepresentative,
    Parcel,
    LandCertificate,
    Participation,
    JudicialRecord,
]


@dataclass(frozen=True)
class Pools:
    """Names and words drawn once from Faker, so batches do not call Faker per row."""

    last_names: tuple[str, ...]
    middle_male: tuple[str, ...]
    middle_female: tuple[str, ...]
    first_male: tuple[str, ...]
    first_female: tuple[str, ...]
    streets: tuple[str, ...]
    brands: tuple[str, ...]


def build_pools(seed: int) -> Pools:
    from faker import Faker

    fake = Faker("vi_VN")
    fake.seed_instance(seed)

    def pool(fn: Any, n: int) -> tuple[str, ...]:
        return tuple(sorted({fn() for _ in range(n)}))

    return Pools(
        last_names=pool(fake.last_name, 2000),
        middle_male=("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành", "Xuân", "Ngọc"),
        middle_female=("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng", "Phương"),
        first_male=pool(fake.first_name_male, 3000),
        first_female=pool(fake.first_name_female, 3000),
        streets=pool(fake.street_name, 3000),
        brands=pool(lambda: fake.last_name() + " " + fake.first_name(), 3000),
    )


@dataclass
class P:
    """A person being generated (row values of population Person)."""

    pk: int
    personal_id: str
    full_name: str
    birth_date: dt.date
    sex: str
    birth_place_code: str
    permanent_commune_code: str
    permanent_address: str
    province_code: str
    household_id: int | None = None
    relation: str = ""
    father: P | None = None
    mother: P | None = None
    marital_status: str = "single"
    spouse: P | None = None
    status: str = "alive"
    death_date: dt.date | None = None
    temporary_commune_code: str = ""
    temporary_address: str = ""
    updated_at: dt.datetime | None = None
    last_name: str = ""


@dataclass
class Batch:
    rows: dict[type[models.Model], list[tuple[Any, ...]]] = field(default_factory=dict)
    defects: list[tuple[str, str, int, str]] = field(default_factory=list)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class BatchMaker:
    """Makes batch `b` of a run: a pure function of the run's parameters and `b`."""

    def __init__(self, run: GeneratorRun, pools: Pools, communes: Sequence[tuple[str, str]]):
        self.run = run
        self.pools = pools
        self.communes = communes
        self.today = timezone.localdate(run.as_of)
        self.block = 1_000_000 // max(1, run.batches)
        self.commune_index = {code: (code, prov) for code, prov in communes}

    # --- helpers -------------------------------------------------------------------------
    def _commune(self) -> tuple[str, str]:
        return self.rng.choice(self.communes)

    def _birth(self, min_age: int, max_age: int) -> dt.date:
        start = _add_years(self.today, -max_age - 1) + dt.timedelta(days=1)
        end = _add_years(self.today, -min_age)
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    def _personal_id(self, birth_province: str, born: dt.date, sex: str) -> str:
        century = 0 if born.year < 2000 else 2
        prefix = f"0{birth_province}{century + (1 if sex == 'F' else 0)}{born.year % 100:02d}"
        n = self.serials.get(prefix, 0)
        if n >= self.block:
            raise InvalidInput("Lô quá lớn so với số lô: hãy tăng --batch hoặc giảm số lô.")
        self.serials[prefix] = n + 1
        return f"{prefix}{self.serial_base + n:06d}"

    def _address(self, commune: str) -> str:
        return f"Số {self.rng.randint(1, 400)} {self.rng.choice(self.pools.streets)}"

    def _person(
        self,
        sex: str,
        born: dt.date,
        home: tuple[str, str],
        last_name: str | None = None,
        birth_place: tuple[str, str] | None = None,
    ) -> P:
        place = birth_place or (home if self.rng.random() < 0.7 else self._commune())
        last = last_name or self.rng.choice(self.pools.last_names)
        if sex == "M":
            given = f"{self.rng.choice(self.pools.middle_male)} "
            given += self.rng.choice(self.pools.first_male)
        else:
            given = f"{self.rng.choice(self.pools.middle_female)} "
            given += self.rng.choice(self.pools.first_female)
        pk = self.pk_base + len(self.people) + 1
        person = P(
            pk=pk,
            personal_id=self._personal_id(place[1], born, sex),
            full_name=f"{last} {given}",
            birth_date=born,
            sex=sex,
            birth_place_code=place[0],
            permanent_commune_code=home[0],
            permanent_address=self.home_address,
            province_code=home[1],
            last_name=last,
        )
        self.people.append(person)
        return person

    def _marry(self, a: P, b: P) -> None:
        a.marital_status = b.marital_status = "married"
        a.spouse, b.spouse = b, a
        younger = max(a.birth_date, b.birth_date)
        wed = _add_years(younger, self.rng.randint(20, 30))
        wed = min(wed, self.today)
        self._event("marriage", a.permanent_commune_code, a.province_code, wed, a, b)

    def _event(
        self,
        kind: str,
        commune: str,
        province: str,
        day: dt.date,
        subject: P,
        other: P | None = None,
    ) -> None:
        pk = self.event_base + len(self.events) + 1
        self.events.append(
            [
                pk,
                kind,
                f"{kind[0].upper()}{pk:012d}",
                commune,
                min(day + dt.timedelta(days=self.rng.randint(0, 30)), self.today),
                day,
                subject,
                other,
                province,
            ]
        )

    # --- a batch -------------------------------------------------------------------------
    def make(self, b: int) -> Batch:
        run = self.run
        self.rng = random.Random(f"{run.seed}:{b}")  # noqa: S311
        size = run.batch_size
        start = b * size
        count = min(size, run.people - start)
        self.pk_base = start
        self.event_base = start * _EVENT_SLOTS
        self.serial_base = b * self.block
        self.serials: dict[str, int] = {}
        self.people: list[P] = []
        self.events: list[list[Any]] = []
        households: list[tuple[Any, ...]] = []
        n_dups = round(run.defect_rate * count)
        target = count - n_dups
        as_of = run.as_of

        while len(self.people) < target:
            home = self._commune()
            self.home_address = self._address(home[0])
            hh_pk = start + len(households) + 1
            remaining = target - len(self.people)
            members: list[P] = []
            if remaining < 2 or self.rng.random() < 0.12:
                head = self._person(self.rng.choice("MF"), self._birth(18, 80), home)
                members.append(head)
            else:
                husband = self._person("M", self._birth(22, 75), home)
                wife_born = _add_years(husband.birth_date, self.rng.randint(-3, 8))
                wife_born = min(wife_born, _add_years(self.today, -20))
                wife = self._person("F", wife_born, home)
                self._marry(husband, wife)
                head = husband
                members += [husband, wife]
                slots = target - len(self.people)
                if slots >= 3 and self.rng.random() < 0.3:
                    gf = self._person(
                        "M",
                        _add_years(husband.birth_date, -self.rng.randint(22, 35)),
                        home,
                        last_name=husband.last_name,
                    )
                    gm_born = _add_years(gf.birth_date, self.rng.randint(-3, 6))
                    gm_born = min(gm_born, _add_years(husband.birth_date, -20))
                    gm = self._person("F", gm_born, home)
                    self._marry(gf, gm)
                    husband.father, husband.mother = gf, gm
                    for elder, partner in ((gf, gm), (gm, gf)):
                        floor = max(_add_years(elder.birth_date, 60), husband.birth_date)
                        dies = _age(elder.birth_date, self.today) > 95 or self.rng.random() < 0.25
                        if elder.status == "alive" and floor < self.today and dies:
                            span = max(1, (self.today - floor).days)
                            elder.status = "dead"
                            elder.death_date = floor + dt.timedelta(days=self.rng.randrange(span))
                            partner.marital_status = "widowed"
                            self._event("death", home[0], home[1], elder.death_date, elder)
                    members += [p for p in (gf, gm) if p.status == "alive"]
                kids = self.rng.choice([0, 1, 1, 2, 2, 3])
                first = _add_years(max(wife.birth_date, husband.birth_date), 20)
                last = min(_add_years(wife.birth_date, 42), self.today)
                for _ in range(min(kids, target - len(self.people))):
                    if first >= last:
                        break
                    born = first + dt.timedelta(days=self.rng.randrange((last - first).days))
                    child = self._person(
                        self.rng.choice("MF"),
                        born,
                        home,
                        last_name=husband.last_name,
                        birth_place=home,
                    )
                    child.father, child.mother = husband, wife
                    members.append(child)
            for member in members:
                member.household_id = hh_pk
                member.relation = "chủ hộ" if member is head else "thành viên"
            households.append(
                (hh_pk, f"HK{hh_pk:012d}", home[0], self.home_address, head.pk, home[1])
            )

        # Births registered electronically for everyone born since 1975.
        for person in self.people:
            if person.birth_date.year >= 1975:
                self._event(
                    "birth",
                    person.birth_place_code,
                    person.province_code,
                    person.birth_date,
                    person,
                )

        living_adults = [
            p for p in self.people if p.status == "alive" and _age(p.birth_date, self.today) >= 18
        ]
        for person in living_adults:
            if self.rng.random() < 0.1:
                person.temporary_commune_code = self._commune()[0]
                person.temporary_address = self._address(person.temporary_commune_code)

        batch = Batch()
        # Defects on people (disjoint sets; duplicates are extra rows that copy clean ones).
        k = round(run.defect_rate * count)
        defect_people: dict[str, list[P]] = {}
        if k:
            taken: set[int] = set()

            def pick(candidates: list[P], n: int) -> list[P]:
                pool = [p for p in candidates if p.pk not in taken]
                chosen = self.rng.sample(pool, min(n, len(pool)))
                taken.update(p.pk for p in chosen)
                return chosen

            born_events = {e[6].pk for e in self.events if e[1] == "birth"}
            dead = [p for p in self.people if p.status == "dead"]
            defect_people["unified"] = pick([p for p in self.people if p.pk in born_events], k)
            defect_people["alive_dead"] = pick(dead, k // 2)
            defect_people["alive_stale"] = pick(self.people, k - len(defect_people["alive_dead"]))
            defect_people["correct"] = pick(self.people, k)
            defect_people["sufficient"] = pick(self.people, k)
            sources = pick([p for p in self.people if p.status == "alive"], n_dups)
            for source in sources:
                copy = P(**{**source.__dict__})
                copy.pk = self.pk_base + len(self.people) + 1
                copy.personal_id = self._personal_id(
                    self.commune_index[source.birth_place_code][1],
                    source.birth_date,
                    source.sex,
                )
                copy.household_id = None
                copy.relation = ""
                copy.father = copy.mother = copy.spouse = None
                copy.marital_status = "single"
                self.people.append(copy)
                batch.defects.append(("population", "clean", copy.pk, copy.province_code))
            for i, person in enumerate(defect_people["correct"]):
                if i % 2:  # the personal ID's century/sex digit no longer matches the sex
                    person.sex = "F" if person.sex == "M" else "M"
                else:
                    person.permanent_commune_code = BAD_COMMUNE
            for person in defect_people["sufficient"]:
                person.birth_place_code = ""
            for person in defect_people["alive_stale"]:
                person.updated_at = as_of - dt.timedelta(days=3650)
            for person in defect_people["alive_dead"]:
                person.status, person.death_date = "alive", None
            for person in defect_people["unified"]:
                for event in self.events:
                    if event[1] == "birth" and event[6] is person:
                        event[5] = event[5] + dt.timedelta(days=self.rng.randint(1, 300))
            for rule in ("correct", "sufficient", "unified"):
                batch.defects += [
                    ("population", rule, p.pk, p.province_code) for p in defect_people[rule]
                ]
            batch.defects += [
                ("population", "alive", p.pk, p.province_code)
                for p in defect_people["alive_stale"] + defect_people["alive_dead"]
            ]

        batch.rows[Household] = households
        batch.rows[Person] = [
            (
                p.pk,
                p.personal_id,
                p.full_name,
                p.birth_date,
                p.sex,
                p.birth_place_code,
                p.permanent_commune_code,
                p.permanent_address,
                p.temporary_commune_code,
                p.temporary_address,
                p.household_id,
                p.relation,
                p.father.pk if p.father else None,
                p.mother.pk if p.mother else None,
                p.marital_status,
                p.spouse.pk if p.spouse else None,
                p.status,
                p.death_date,
                p.province_code,
                1,
                p.updated_at or as_of,
            )
            for p in self.people
        ]
        batch.rows[CivilEvent] = [
            (
                pk,
                kind,
                number,
                commune,
                registered,
                day,
                subject.personal_id,
                other.personal_id if other else "",
                subject.father.personal_id if kind == "birth" and subject.father else "",
                subject.mother.personal_id if kind == "birth" and subject.mother else "",
                province,
                1,
                as_of,
            )
            for pk, kind, number, commune, registered, day, subject, other, province in self.events
        ]
        # Civil status: events registered at a commune that does not exist.
        batch.rows[CivilEvent] = self._spoil(
            batch, batch.rows[CivilEvent], "civil_status", "correct", 3, BAD_COMMUNE
        )
        self._economy(batch, living_adults, households, start)
        return batch

    def _spoil(
        self,
        batch: Batch,
        rows: list[tuple[Any, ...]],
        registry: str,
        rule: str,
        column: int,
        value: Any,
    ) -> list[tuple[Any, ...]]:
        """Set `column` to `value` in a `defect_rate` share of `rows` (stochastic rounding
        keeps the share right in small batches) and record them as defects of `rule`. Rows
        are (id, ..., province_code, version, updated_at)."""
        if not self.run.defect_rate or not rows:
            return rows
        share = self.run.defect_rate * len(rows)
        k = int(share) + (1 if self.rng.random() < share - int(share) else 0)
        out = list(rows)
        for i in self.rng.sample(range(len(rows)), min(k, len(rows))):
            row = list(out[i])
            row[column] = value(row) if callable(value) else value
            out[i] = tuple(row)
            batch.defects.append((registry, rule, row[0], row[-3]))
        return out

    def _economy(
        self,
        batch: Batch,
        adults: list[P],
        households: list[tuple[Any, ...]],
        start: int,
    ) -> None:
        as_of = self.run.as_of
        enterprises: list[tuple[Any, ...]] = []
        reps: list[tuple[Any, ...]] = []
        for person in adults:
            if _age(person.birth_date, self.today) < 20 or self.rng.random() >= 0.03:
                continue
            pk = start + len(enterprises) + 1
            commune, province = self._commune()
            kind = self.rng.choice(ENTERPRISE_KINDS)
            founded = _add_years(person.birth_date, 20) + dt.timedelta(
                days=self.rng.randrange(
                    max(1, (self.today - _add_years(person.birth_date, 20)).days)
                )
            )
            enterprises.append(
                (
                    pk,
                    f"{1_000_000_000 + start + person.pk - self.pk_base - 1:010d}",
                    f"{kind} {self.rng.choice(self.pools.brands)} {pk}",
                    kind,
                    commune,
                    self._address(commune),
                    founded,
                    self.rng.choice(["active"] * 8 + ["suspended", "dissolved"]),
                    province,
                    1,
                    as_of,
                )
            )
            reps.append(
                (pk, pk, person.personal_id, person.full_name, "Giám đốc", province, 1, as_of)
            )
        # Stochastic rounding keeps the share right when batches hold few enterprises.
        share = self.run.defect_rate * len(enterprises)
        k = int(share) + (1 if self.rng.random() < share - int(share) else 0)
        if k:
            chosen = self.rng.sample(range(len(enterprises)), min(len(enterprises), 2 * k))
            for i in chosen[:k]:
                row = list(enterprises[i])
                row[4] = BAD_COMMUNE
                enterprises[i] = tuple(row)
                batch.defects.append(("enterprise", "correct", row[0], row[8]))
            for i in chosen[k:]:
                row = list(enterprises[i])
                row[5] = ""
                enterprises[i] = tuple(row)
                batch.defects.append(("enterprise", "sufficient", row[0], row[8]))
        batch.rows[Enterprise] = enterprises
        batch.rows[LegalRepresentative] = reps

        parcels: list[tuple[Any, ...]] = []
        certificates: list[tuple[Any, ...]] = []
        by_pk = {p.pk: p for p in self.people}
        owners: list[tuple[str, str, str, str]] = []
        for hh in households:
            head = by_pk[hh[4]]
            if self.rng.random() < 0.8 and head.status == "alive":
                owners.append(("person", head.personal_id, hh[2], hh[5]))
        for ent, (original_commune, original_province) in zip(
            enterprises, [(self._commune()) for _ in enterprises], strict=True
        ):
            if self.rng.random() < 0.5:
                owners.append(("enterprise", ent[1], original_commune, original_province))
        for kind, owner, commune, province in owners:
            pk = start + len(parcels) + 1
            parcels.append(
                (
                    pk,
                    f"{commune}-{pk}",
                    commune,
                    self.rng.randint(1, 120),
                    pk,
                    Decimal(self.rng.randint(400, 50_000)) / 10,
                    self.rng.choice(LAND_USES),
                    kind,
                    owner,
                    province,
                    1,
                    as_of,
                )
            )
            issued = self.today - dt.timedelta(days=self.rng.randint(30, 9000))
            certificates.append((pk, f"CS{pk:012d}", pk, owner, issued, province, 1, as_of))
        # Land: parcels without an area.
        batch.rows[Parcel] = self._spoil(batch, parcels, "land", "sufficient", 5, Decimal(0))
        batch.rows[LandCertificate] = certificates

        participations: list[tuple[Any, ...]] = []
        judicial: list[tuple[Any, ...]] = []
        employers = [e[1] for e in enterprises]
        for person in adults:
            age = _age(person.birth_date, self.today)
            if person.status != "alive":
                continue
            if age <= 60 and self.rng.random() < 0.6:
                pk = start + len(participations) + 1
                employed = bool(employers) and self.rng.random() < 0.7
                began = _add_years(person.birth_date, 18 + self.rng.randint(0, max(0, age - 18)))
                participations.append(
                    (
                        pk,
                        f"{pk:010d}",
                        person.personal_id,
                        "compulsory" if employed else "voluntary",
                        self.rng.choice(employers) if employed else "",
                        min(began, self.today),
                        None,
                        person.province_code,
                        1,
                        as_of,
                    )
                )
            if self.rng.random() < 0.01:
                pk = start + len(judicial) + 1
                judicial.append((pk, person.personal_id, True, person.province_code, 1, as_of))
        # Social insurance: insurance numbers that are not 10 digits; judicial records of
        # personal IDs nobody has (province 099 does not exist).
        batch.rows[Participation] = self._spoil(
            batch,
            participations,
            "social_insurance",
            "correct",
            1,
            lambda row: f"X{row[0]:09d}",
        )
        batch.rows[JudicialRecord] = self._spoil(
            batch,
            judicial,
            "judicial_records",
            "unified",
            1,
            lambda row: f"0999{row[0]:08d}",
        )


_COLUMNS: dict[type[models.Model], list[str]] = {
    Household: ["id", "code", "commune_code", "address", "head_id", "province_code"],
    Person: [
        "id",
        "personal_id",
        "full_name",
        "birth_date",
        "sex",
        "birth_place_code",
        "permanent_commune_code",
        "permanent_address",
        "temporary_commune_code",
        "temporary_address",
        "household_id",
        "relation_to_head",
        "father_id",
        "mother_id",
        "marital_status",
        "spouse_id",
        "status",
        "death_date",
        "province_code",
        "version",
        "updated_at",
    ],
    CivilEvent: [
        "id",
        "kind",
        "registration_no",
        "commune_code",
        "registered_on",
        "event_date",
        "subject_id",
        "other_party_id",
        "father_id",
        "mother_id",
        "province_code",
        "version",
        "updated_at",
    ],
    Enterprise: [
        "id",
        "code",
        "name",
        "kind",
        "registered_commune_code",
        "registered_address",
        "founded_on",
        "status",
        "province_code",
        "version",
        "updated_at",
    ],
    LegalRepresentative: [
        "id",
        "enterprise_id",
        "personal_id",
        "full_name",
        "title",
        "province_code",
        "version",
        "updated_at",
    ],
    Parcel: [
        "id",
        "code",
        "commune_code",
        "map_sheet",
        "parcel_no",
        "area_m2",
        "land_use",
        "owner_kind",
        "owner_id",
        "province_code",
        "version",
        "updated_at",
    ],
    LandCertificate: [
        "id",
        "serial",
        "parcel_id",
        "holder_id",
        "issued_on",
        "province_code",
        "version",
        "updated_at",
    ],
    Participation: [
        "id",
        "insurance_no",
        "personal_id",
        "kind",
        "employer_code",
        "started_on",
        "ended_on",
        "province_code",
        "version",
        "updated_at",
    ],
    JudicialRecord: [
        "id",
        "personal_id",
        "has_conviction",
        "province_code",
        "version",
        "updated_at",
    ],
}


def _household_columns() -> list[str]:
    # Households carry version and updated_at too (RegistryRecord).
    return [*_COLUMNS[Household], "version", "updated_at"]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _write(model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cols = ", ".join(columns)
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )


def _write_batch(batch: Batch, as_of: dt.datetime) -> None:
    for model in TABLES:
        rows = batch.rows.get(model, [])
        if not rows:
            continue
        if model is Household:
            _write(model, _household_columns(), [(*row, 1, as_of) for row in rows])
        else:
            _write(model, _COLUMNS[model], rows)
    InjectedDefect.objects.bulk_create(
        [
            InjectedDefect(registry=r, rule=rule, record_id=pk, province_code=prov)
            for r, rule, pk, prov in batch.defects
        ]
    )


@dataclass
class EncodedBatch:
    """A batch as COPY text per table, made in a worker process (only bytes cross over)."""

    tables: list[tuple[str, bytes]]
    defects: list[tuple[str, str, int, str]]


def _encode(batch: Batch, as_of: dt.datetime) -> EncodedBatch:
    """COPY ... (FORMAT csv) text, written by the C csv module: strings are quoted, numbers
    are not, None becomes "" and FORCE_NULL turns it into NULL in the nullable columns."""
    tables = []
    for model in TABLES:
        rows = batch.rows.get(model, [])
        if not rows:
            continue
        columns = _COLUMNS[model]
        if model is Household:
            columns, rows = _household_columns(), [(*row, 1, as_of) for row in rows]
        out = io.StringIO()
        csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
        nullable = [c for c in columns if model._meta.get_field(c).null]
        options = f"FORMAT csv, FORCE_NULL ({', '.join(nullable)})" if nullable else "FORMAT csv"
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH ({options})"
        tables.append((sql, out.getvalue().encode()))
    return EncodedBatch(tables, batch.defects)


_worker_maker: BatchMaker | None = None


def _make_encoded(b: int) -> EncodedBatch:
    assert _worker_maker is not None
    return _encode(_worker_maker.make(b), _worker_maker.run.as_of)


def _write_encoded(encoded: EncodedBatch) -> None:
    with connection.cursor() as cursor:
        for sql, data in encoded.tables:
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)
    InjectedDefect.objects.bulk_create(
        [
            InjectedDefect(registry=r, rule=rule, record_id=pk, province_code=prov)
            for r, rule, pk, prov in encoded.defects
        ]
    )


def _batches(maker: BatchMaker, first: int, end: int) -> Iterator[tuple[int, Any]]:
    """Batches first..end-1 in order. On PostgreSQL two worker processes make and encode the
    next batches (at most 4 ahead) while this one COPYs: making a batch costs ~3× its COPY
    into unindexed tables. Elsewhere they are made here, one by one."""
    global _worker_maker
    from django.conf import settings

    processes = int(getattr(settings, "REGISTRY_GENERATOR_PROCESSES", 2))
    if connection.vendor != "postgresql" or end - first < 2 or processes < 1:
        for b in range(first, end):
            yield b, maker.make(b)
        return
    import multiprocessing as mp
    from collections import deque

    _worker_maker = maker
    if not connection.in_atomic_block:
        connection.close()  # the worker must not inherit an open connection
    with mp.get_context("fork").Pool(processes) as pool:
        pending: deque[Any] = deque()
        b = first
        while pending or b < end:
            while b < end and len(pending) < 4:
                pending.append((b, pool.apply_async(_make_encoded, (b,))))
                b += 1
            index, result = pending.popleft()
            yield index, result.get()
    _worker_maker = None


def _defer_indexes(run: GeneratorRun) -> None:
    """PostgreSQL: drop the registry tables' secondary indexes, unique and foreign-key
    constraints (primary keys stay) for the load, remembering how to recreate them in the
    run, so COPY does not maintain ~40 B-trees row by row. A resumed run finds them dropped
    already; `_restore_indexes` recreates them once all batches are in."""
    if connection.vendor != "postgresql" or run.deferred_ddl:
        return
    uniques: list[str] = []
    foreign: list[str] = []
    indexes: list[str] = []
    drops: list[str] = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            for name, definition, kind in cursor.fetchall():
                add = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                (uniques if kind == "u" else foreign).append(add)
                drop = f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'
                drops.insert(0, drop) if kind == "f" else drops.append(drop)
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                drops.append(f'DROP INDEX "{name}"')
        run.deferred_ddl = [*uniques, *indexes, *foreign]
        run.save(update_fields=["deferred_ddl"])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER with checks pending
        for sql in drops:
            cursor.execute(sql)


def _restore_indexes(run: GeneratorRun) -> None:
    if not run.deferred_ddl:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in run.deferred_ddl:
            cursor.execute(sql)
    run.deferred_ddl = []
    run.save(update_fields=["deferred_ddl"])


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), TABLES)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _communes() -> list[tuple[str, str]]:
    from motcua.units import services as units
    from motcua.units.models import Commune

    if not Commune.objects.exists():
        units.load_units()
    return list(Commune.objects.order_by("code").values_list("code", "province_id"))


def start_or_resume(
    people: int, seed: int = 0, defect_rate: float = 0.0, batch_size: int = 10_000
) -> GeneratorRun:
    """The unfinished run with these parameters, or a new one when the registries are empty."""
    if people < 1 or batch_size < 1 or not 0 <= defect_rate <= 0.1:
        raise InvalidInput("people ≥ 1, batch ≥ 1 và 0 ≤ defects ≤ 0.1.")
    params = {
        "seed": seed,
        "people": people,
        "batch_size": batch_size,
        "defect_rate": defect_rate,
    }
    run = GeneratorRun.objects.filter(**params).order_by("-pk").first()
    if run is not None:
        return run
    if Person.objects.exists() or GeneratorRun.objects.filter(finished_at__isnull=True).exists():
        raise Conflict(
            "Cơ sở dữ liệu đã có dữ liệu của một lần sinh khác; xóa dữ liệu trước khi sinh lại."
        )
    batches = -(-people // batch_size)
    if batch_size * _EVENT_SLOTS * batches > 10**15:
        raise InvalidInput("Quá nhiều người.")
    return GeneratorRun.objects.create(
        **params, as_of=timezone.now(), batches=batches, next_batch=0
    )


def generate(
    people: int,
    seed: int = 0,
    defect_rate: float = 0.0,
    batch_size: int = 10_000,
    max_batches: int | None = None,
    progress: bool = False,
) -> GeneratorRun:
    """Generate (or resume generating) `people` people and everything around them."""
    run = start_or_resume(people, seed, defect_rate, batch_size)
    if run.finished_at:
        return run
    communes = _communes()
    maker = BatchMaker(run, build_pools(seed), communes)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=people,
            initial=min(people, run.next_batch * batch_size),
            unit=" người",
            file=sys.stderr,
            dynamic_ncols=True,
        )
    with transaction.atomic():
        _defer_indexes(run)
    end = run.batches if max_batches is None else min(run.batches, run.next_batch + max_batches)
    try:
        for b, batch in _batches(maker, run.next_batch, end):
            with transaction.atomic():
                if isinstance(batch, EncodedBatch):
                    with connection.cursor() as cursor:  # a lost batch is simply redone
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    _write_encoded(batch)
                else:
                    _write_batch(batch, run.as_of)
                run.next_batch = b + 1
                run.save(update_fields=["next_batch"])
                QualitySnapshot.objects.all().delete()  # the figures no longer hold
            if bar is not None:
                bar.update(min(batch_size, people - b * batch_size))
        if end < run.batches:
            return run
        with transaction.atomic():
            _restore_indexes(run)
            _reset_sequences()
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            audit.record(
                actor="system:generate_registries",
                action="registries.generated",
                data={"seed": seed, "people": people, "defect_rate": defect_rate},
            )
    finally:
        if bar is not None:
            bar.close()
    return run
