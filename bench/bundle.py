"""Integrated services (issue 10), two figures for bundle 1 (newborn: birth registration,
permanent residence, health insurance card for a child under 6):

1. Declare once: the values a parent types in the one bundle form, against the values the
   three member forms need when filled separately for the same child (read-only fields the
   registries fill are not counted in either).
2. An automated run of bundle 1 through every agency's steps (ward one-stop officer, ward
   civil status officer and chairman, ward police, provincial social insurance): wall time
   and database writes (INSERT/UPDATE/DELETE statements counted with
   `connection.execute_wrapper`), per phase and per run.

A throwaway database: a temporary SQLite file by default; with DATABASE_URL (PostgreSQL) a
new database on that server, dropped at the end.

    .venv/bin/python bench/bundle.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import PROJECT_DIR, git_revision, load_average, warn_if_busy, write_result
from catalog_search import database_info, throwaway_database

NAME = "bundle"
SRC = PROJECT_DIR / "src"
BUNDLE, WARD_CENTRE = "3.000722", "01.00070.tthcc"
FATHER, MOTHER = "001090700000", "001192700001"
FORWARD = ("accept", "forward", "approve", "sign", "issue_result")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="bundles driven end to end")
    parser.add_argument("--output", type=Path, default=None, help="result file (JSON)")
    args = parser.parse_args(argv)
    args.database_as_is = False
    if not 1 <= args.runs <= 50:
        parser.error("--runs must be between 1 and 50")
    return args


def newborn_data(i: int) -> dict[str, Any]:
    """What the father types (the registries fill the rest)."""
    return {
        "registration": {"authority_commune_code": "00070"},
        "child": {
            "full_name": f"Nguyễn Bench Con {i}",
            "sex": "M" if i % 2 == 0 else "F",
            "birth_date": "2025-01-15",
            "birth_place_kind": "co-so-y-te",
            "birth_facility": "Bệnh viện Phụ sản Hà Nội",
            "birth_commune_code": "00070",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
        },
        "applicant": {
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "relation": "cha",
            "phone": "0912345678",
        },
        "other_parent": {"known": True, "parents_married": True},
        "residence": {
            "housing_basis": "so-huu",
            "relation_to_head": "chu-ho",
            "child_relation_to_head": "con",
        },
        "insurance": {"health_facility": "Trạm y tế phường Hoàn Kiếm"},
        "result": {"delivery": "vi-dien-tu"},
        "commitment": {"truthful": True},
    }


# --- the world ------------------------------------------------------------------------------


def seed() -> dict[str, float]:
    import datetime as dt

    from django.core.management import call_command
    from django.test import override_settings

    from motcua.catalog import services as catalog
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange
    from motcua.identity import services as identity
    from motcua.registries.population.models import Household, Person
    from motcua.results import services as results
    from motcua.units import services as units
    from motcua.workflow import demo as workflow_demo
    from motcua.workflow import services as workflow

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    units.load_units()
    units.generate_agencies()
    catalog.import_file(
        (SRC / "motcua/catalog/fixtures/demo_procedures.json").read_text(encoding="utf-8"),
        "demo_procedures.json",
        actor="bench",
    )
    eforms.import_forms(SRC / "motcua/eforms/fixtures/demo_forms.json", actor="bench")
    from motcua.exchange import services as exchange_services

    exchange_services.load_grants(actor="bench")  # the data owners' declared grants
    workflow.import_processes(
        workflow_demo.DEMO_PROCESSES.read_text(encoding="utf-8"), actor="bench"
    )
    results.ensure_demo_ca()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        workflow_demo.ensure_demo_officials()
        household = Household.objects.create(
            code="HB0700000",
            commune_code="00070",
            address="Số 7 phố Tràng Tiền",
            province_code="01",
        )
        father = Person.objects.create(
            personal_id=FATHER,
            full_name="Nguyễn Văn Bench",
            birth_date=dt.date(1990, 3, 1),
            sex="M",
            province_code="01",
            permanent_commune_code="00070",
            permanent_address="Số 7 phố Tràng Tiền",
            marital_status="married",
            household=household,
            relation_to_head="chu-ho",
        )
        mother = Person.objects.create(
            personal_id=MOTHER,
            full_name="Trần Thị Bench",
            birth_date=dt.date(1992, 5, 1),
            sex="F",
            province_code="01",
            permanent_commune_code="00070",
            permanent_address="Số 7 phố Tràng Tiền",
            marital_status="married",
            spouse=father,
            household=household,
            relation_to_head="vo",
        )
        father.spouse = mother
        father.save()
        identity.enrol_person(
            personal_id=FATHER, full_name="Nguyễn Văn Bench", password="x" * 16, actor="bench"
        )
    exchange.grant_consent(FATHER, f"thu-tuc:{BUNDLE}")
    timings["seed_s"] = round(time.perf_counter() - started, 2)
    return timings


# --- counting writes ------------------------------------------------------------------------


class Writes:
    """Counts the INSERT/UPDATE/DELETE statements Django sends, by table."""

    def __init__(self) -> None:
        self.count = 0
        self.by_table: Counter[str] = Counter()

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        head = sql.lstrip().split(None, 3)
        verb = head[0].upper() if head else ""
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self.count += 1
            table = head[2] if verb in ("INSERT", "DELETE") and len(head) > 2 else head[1]
            self.by_table[table.strip('"')] += 1
        return execute(sql, params, many, context)


@contextmanager
def counting() -> Iterator[Writes]:
    from django.db import connection

    writes = Writes()
    with connection.execute_wrapper(writes):
        yield writes


# --- figure 1: declare once ------------------------------------------------------------------


def typed_values(form: Any, data: dict[str, Any]) -> list[str]:
    """The leaf values of `data` a person types: every path that is not a read-only field the
    registries fill."""
    read_only = {f.path for f in form.fields() if f.read_only}
    out: list[str] = []

    def walk(node: Any, path: str, pattern: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(
                    value, f"{path}.{key}" if path else key, f"{pattern}.{key}" if pattern else key
                )
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]", f"{pattern}[]")
        elif node not in (None, "") and pattern not in read_only:
            out.append(path)

    walk(data, "", "")
    return out


def declare_once(parent: Any) -> dict[str, Any]:
    from motcua.eforms import services as eforms

    bundle = typed_values(eforms.form_for(BUNDLE), parent.data)
    members = {}
    for child in parent.children.order_by("procedure_code"):
        members[child.procedure_code] = len(
            typed_values(eforms.form_for(child.procedure_code), child.data)
        )
    separately = sum(members.values())
    return {
        "bundle_form_typed": len(bundle),
        "member_forms_typed": members,
        "separately_typed": separately,
        "ratio_bundle_to_separate": round(len(bundle) / separately, 3) if separately else None,
        "saved_values": separately - len(bundle),
    }


# --- figure 2: one bundle through every agency ------------------------------------------------


def drive(code: str) -> list[str]:
    """Every step of a dossier's process by the demo official holding it; the units."""
    from motcua.workflow import services as workflow
    from motcua.workflow.models import Task

    units = []
    while task := Task.objects.filter(dossier_code=code, state="open").first():
        who = workflow.official_ref(workflow.officials_at(task.unit, task.role)[0])
        allowed = workflow.allowed_actions(who, task)
        action = next(a for a in FORWARD if a in allowed)
        workflow.act(who, code, action)
        units.append(f"{task.unit}:{action}")
    return units


def one_run(i: int) -> dict[str, Any]:
    from motcua.core.pdf import render_document
    from motcua.dossiers import bundles
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.models import Dossier

    applicant = dossiers.Applicant(subject_id=FATHER, actor_id=FATHER, name="Nguyễn Văn Bench")
    certificate = render_document(
        title="Giấy chứng sinh", issuer="Bệnh viện", rows=[("Số", str(i))]
    )
    phases: dict[str, dict[str, Any]] = {}

    def phase(name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        with counting() as writes:
            value = work()
        phases[name] = {
            "seconds": round(time.perf_counter() - started, 3),
            "writes": writes.count,
            "top_tables": dict(writes.by_table.most_common(6)),
        }
        return value

    def apply() -> Dossier:
        draft = bundles.start(applicant, BUNDLE, WARD_CENTRE, newborn_data(i))
        dossiers.add_file(
            applicant, draft.reference, component=2, name="gcs.pdf", content=certificate
        )
        return bundles.submit(applicant, draft.reference).parent

    parent = phase("apply_and_submit", apply)

    def member(code: str) -> str:
        return str(parent.children.get(procedure_code=code).code)

    agencies = {}
    agencies["birth"] = phase("birth_registration", lambda: drive(member("1.001193")))
    agencies["residence"] = phase("permanent_residence", lambda: drive(member("1.004222")))
    agencies["card"] = phase("health_insurance_card", lambda: drive(member("1.001939")))
    parent.refresh_from_db()
    if parent.status != "returned":
        raise SystemExit(f"bundle {parent.code} ended in {parent.status}, not returned")
    total_s = sum(p["seconds"] for p in phases.values())
    total_w = sum(p["writes"] for p in phases.values())
    return {
        "code": parent.code,
        "phases": phases,
        "steps": agencies,
        "seconds": round(total_s, 3),
        "writes": total_w,
        "parent": parent,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = warn_if_busy()
    with (
        tempfile.TemporaryDirectory(prefix="motcua-bench-bundle-") as tmp,
        throwaway_database(args, Path(tmp)),
    ):
        sys.path.insert(0, str(SRC))
        import django

        django.setup()
        from django.test import override_settings

        with override_settings(RESULTS_CA_DIR=Path(tmp) / "ca", RESULTS_TSA_URL=""):
            timings = seed()
            runs = [one_run(i) for i in range(args.runs + 1)]  # the first one warms up
        database = database_info()
    warm, timed = runs[0], runs[1:]
    figure = declare_once(warm.pop("parent"))
    for run in timed:
        run.pop("parent")
    seconds = [r["seconds"] for r in timed]
    writes = [r["writes"] for r in timed]
    result = {
        "declare_once": figure,
        "run": {
            "runs": len(timed),
            "wall_s_median": round(statistics.median(seconds), 3),
            "wall_s_max": round(max(seconds), 3),
            "writes_median": statistics.median(writes),
            "writes_per_phase": {k: v["writes"] for k, v in timed[0]["phases"].items()},
            "seconds_per_phase": {k: v["seconds"] for k, v in timed[0]["phases"].items()},
            "steps": timed[0]["steps"],
            "top_tables": {k: v["top_tables"] for k, v in timed[0]["phases"].items()},
        },
        "options": {"runs": args.runs},
        "database": database,
        "seed": timings,
        "load_before": load_before,
        "load_after": load_average(),
        "revision": git_revision(),
    }
    path = write_result(NAME, result, args.output)
    print(
        f"Declare once: the bundle form asks {figure['bundle_form_typed']} typed values; the "
        f"three member forms filled separately ask {figure['separately_typed']} "
        f"({figure['member_forms_typed']}); ratio {figure['ratio_bundle_to_separate']}."
    )
    run = result["run"]
    print(
        f"Bundle 1 through every agency ({run['runs']} runs, {database.get('vendor', '')}): "
        f"median {run['wall_s_median']} s wall, {run['writes_median']} database writes; "
        f"per phase: {run['writes_per_phase']} writes, {run['seconds_per_phase']} s."
    )
    print(f"Result: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
