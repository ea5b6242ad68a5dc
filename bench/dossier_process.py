"""Dossiers moved through a whole process per second, in-process, on PostgreSQL: each dossier
is created and submitted by a citizen, then driven step by step through the workflow
services by the demo officials (receive, process, approve, sign: a signed result in the
e-wallet; for the province procedure also the return at the centre), half birth
registrations at a ward, half judicial record certificates at a provincial centre.

PostgreSQL only: with DATABASE_URL set, a throwaway database on that server (dropped at the
end); without it, the script runs itself again under bin/with-postgres (a throwaway cluster).

    bin/with-postgres .venv/bin/python bench/dossier_process.py [--dossiers 60]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    PROJECT_DIR,
    format_ms,
    git_revision,
    load_average,
    summarize_ms,
    warn_if_busy,
    write_result,
)
from catalog_search import database_info, throwaway_database

NAME = "dossier_process"
SRC = PROJECT_DIR / "src"
# (procedure, receiving unit): a commune-level and a province-level process (workflow demo).
BIRTH = ("1.001193", "01.00070.tthcc")  # xa-ho-tich: centre → ward committee → chairman signs
JUDICIAL = ("3.000333", "01.tthcc")  # tinh-ly-lich-tu-phap: centre → Justice → director → centre
HOME_COMMUNE = "00070"
# Actions that move a dossier on, in the order an official picks them (no supplements, no
# consultation: the shortest full path of each process).
FORWARD = ("accept", "forward", "approve", "sign", "issue_result")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=60, help="timed dossiers (half each)")
    parser.add_argument("--citizens", type=int, default=10, help="married couples who apply")
    parser.add_argument("--warmup", type=int, default=2, help="dossiers before timing")
    parser.add_argument("--output", type=Path, default=None, help="result file (JSON)")
    args = parser.parse_args(argv)
    args.database_as_is = False
    if args.dossiers < 2 or args.citizens < 1 or args.warmup < 0:
        parser.error("--dossiers must be ≥ 2, --citizens ≥ 1, --warmup ≥ 0")
    return args


def reexec_with_postgres(argv: list[str]) -> int:
    """No DATABASE_URL: run this script again under bin/with-postgres (throwaway cluster)."""
    wrapper = PROJECT_DIR / "bin" / "with-postgres"
    print(f"DATABASE_URL is not set: running under {wrapper.relative_to(PROJECT_DIR)}", flush=True)
    os.execv(str(wrapper), [str(wrapper), sys.executable, str(Path(__file__).resolve()), *argv])
    return 2  # not reached


# --- the world ------------------------------------------------------------------------------


def personal_id(i: int) -> str:
    """Hà Nội (001) people born in 1990 (men) or 1992 (women), from 600000: valid IDs that are
    neither the tests' nor the other benchmarks'."""
    return f"001090{600000 + i:06d}" if i % 2 == 0 else f"001192{600000 + i:06d}"


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """Units, the demo catalog, forms, processes and officials, the demo CA, and `citizens`
    married couples living in ward 00070 with accounts and consent to the family data."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    from motcua.catalog import services as catalog
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange
    from motcua.identity import services as identity
    from motcua.registries.population.models import Person
    from motcua.results import services as results
    from motcua.units import services as units
    from motcua.workflow import demo as workflow_demo
    from motcua.workflow import services as workflow

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate"] = time.perf_counter() - started

    started = time.perf_counter()
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
    timings["units_catalog_processes"] = time.perf_counter() - started

    started = time.perf_counter()
    # Passwords are never used here: a fast hasher keeps seeding short.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        workflow_demo.ensure_demo_officials()
        ids = [personal_id(i) for i in range(2 * args.citizens)]
        with transaction.atomic():
            people = Person.objects.bulk_create(
                Person(
                    personal_id=pid,
                    full_name=f"{'Nguyễn Văn' if i % 2 == 0 else 'Trần Thị'} Bench {i}",
                    birth_date=dt.date(1990 + i % 2 * 2, 1 + i % 12, 1 + i % 28),
                    sex="M" if i % 2 == 0 else "F",
                    province_code="01",
                    permanent_commune_code=HOME_COMMUNE,
                    permanent_address=f"Số {i // 2 + 1} phố Tràng Tiền",
                    marital_status="married",
                )
                for i, pid in enumerate(ids)
            )
            for husband, wife in zip(people[0::2], people[1::2], strict=True):
                husband.spouse, wife.spouse = wife, husband
            Person.objects.bulk_update(people, ["spouse"])
        for i, pid in enumerate(ids):
            identity.enrol_person(
                personal_id=pid,
                full_name=f"Bench {i}",
                password=secrets.token_urlsafe(16),
                actor="bench",
            )
            for code in (BIRTH[0], JUDICIAL[0]):
                exchange.grant_consent(pid, f"thu-tuc:{code}", consumer=eforms.CONSUMER)
    timings["officials_citizens"] = time.perf_counter() - started
    return {"applicants": ids[0::2], "timings": {k: round(v, 2) for k, v in timings.items()}}


# --- one dossier through its process ----------------------------------------------------------


class Meter:
    """Wall time per phase (create and submit, then each workflow action), the time spent
    issuing results and, inside that, rendering and PAdES-signing the PDF, and the SQL
    statements run."""

    def __init__(self) -> None:
        self.phases: dict[str, list[float]] = defaultdict(list)
        self.issue_s: list[float] = []
        self.render_s: list[float] = []
        self.pades_s: list[float] = []
        self.statements = 0

    def count(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        return execute(sql, params, many, context)

    def timed(self, into: list[float], fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into.append(time.perf_counter() - started)

        return wrapper


def submit(pid: str, procedure: str, unit: str, data: dict[str, Any]) -> Any:
    from django.db import transaction

    from motcua.dossiers import services as dossiers
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.tests.helpers import attach_required

    applicant = dossiers.Applicant(subject_id=pid, actor_id=pid, name=f"Bench {pid}")
    draft = dossiers.create_draft(applicant, procedure, unit, data)
    attach_required(applicant, draft)
    dossier = dossiers.submit(applicant, draft.reference)
    if dossier.payment_status == Dossier.Payment.AWAITING:  # paid at the counter
        with transaction.atomic():  # as the payments app calls its hook
            dossiers.mark_paid(dossier.code, actor="bench", receipt_number=f"BL-{dossier.code}")
    return dossier


def drive(code: str, meter: Meter | None, officials: dict[tuple[str, str], Any]) -> int:
    """Act on each open step with the demo official of its unit and role until the process
    ends; returns the number of steps."""
    from motcua.workflow import services as workflow
    from motcua.workflow.models import Task

    steps = 0
    while True:
        task = Task.objects.filter(dossier_code=code, state=Task.State.OPEN).first()
        if task is None:
            return steps
        post = (task.unit, task.role)
        if post not in officials:
            found = workflow.officials_at(task.unit, task.role)
            if not found:
                raise SystemExit(f"no demo official is {task.role} at {task.unit}")
            officials[post] = workflow.official_ref(found[0])
        official = officials[post]
        action = next(a for a in FORWARD if a in workflow.allowed_actions(official, task))
        started = time.perf_counter()
        workflow.act(official, code, action)
        if meter is not None:
            meter.phases[f"{task.step}:{action}"].append(time.perf_counter() - started)
        steps += 1
        if steps > 10:
            raise SystemExit(f"{code}: the process did not end after 10 steps")


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-process-"))
    # Before Django is imported: this run's files (the demo CA, results, uploads).
    os.environ["MOTCUA_VAR_DIR"] = str(workdir)
    try:
        with throwaway_database(args, workdir):
            sys.path.insert(0, str(SRC))
            import django

            django.setup()
            from django.conf import settings
            from django.db import connection

            settings.DEBUG = False  # no query log (motcua.settings.dev turns it on)
            settings.RESULTS_SIGNING_PROVIDER = "local"
            settings.RESULTS_TSA_URL = ""
            from motcua.dossiers.models import Dossier, Status
            from motcua.dossiers.tests.helpers import example_data
            from motcua.eforms import services as eforms
            from motcua.results import services as results
            from motcua.wallet.models import WalletDocument

            db = database_info()
            print(f"Database: {db['vendor']} {db['version']} (throwaway)")
            print(
                "Seeding: units, catalog, forms, processes, demo officials, citizens…", flush=True
            )
            world = seed(args)
            print(f"  {world['timings']}", flush=True)
            data = {
                code: example_data(eforms.json_schema(eforms.form_for(code)))
                for code, _unit in (BIRTH, JUDICIAL)
            }
            officials: dict[tuple[str, str], Any] = {}
            applicants = world["applicants"]

            def one(i: int, meter: Meter | None) -> str:
                procedure, unit = (BIRTH, JUDICIAL)[i % 2]
                started = time.perf_counter()
                dossier = submit(applicants[i % len(applicants)], procedure, unit, data[procedure])
                if meter is not None:
                    meter.phases["create+submit"].append(time.perf_counter() - started)
                drive(str(dossier.code), meter, officials)
                return str(dossier.code)

            # Warm-up: every official's certificate is issued on their first signature, fonts
            # and templates load, caches fill.
            for i in range(args.warmup):
                one(i, None)

            meter = Meter()
            results.issue_for_dossier = meter.timed(meter.issue_s, results.issue_for_dossier)
            # Module globals of results.services, looked up at each call: wrapped for timing.
            has_pades = hasattr(results, "_sign") and hasattr(results, "render_document")
            if has_pades:
                results._sign = meter.timed(meter.pades_s, results._sign)
                results.render_document = meter.timed(meter.render_s, results.render_document)
            print(f"Timed: {args.dossiers} dossiers through their whole process…", flush=True)
            per_dossier: list[float] = []
            codes = []
            with connection.execute_wrapper(meter.count):
                started, cpu_started = time.perf_counter(), time.process_time()
                for i in range(args.dossiers):
                    one_started = time.perf_counter()
                    codes.append(one(args.warmup + i, meter))
                    per_dossier.append(time.perf_counter() - one_started)
                total_s = time.perf_counter() - started
                cpu_s = time.process_time() - cpu_started

            returned = Dossier.objects.filter(code__in=codes, status=Status.RETURNED).count()
            delivered = WalletDocument.objects.filter(
                data__dossier_code__in=codes, content_type="application/pdf"
            ).count()
            if returned != len(codes) or delivered != len(codes):
                raise SystemExit(
                    f"only {returned} of {len(codes)} dossiers returned, {delivered} results in "
                    "the e-wallet"
                )
            issue_total, pades_total = sum(meter.issue_s), sum(meter.pades_s)
            pdf_total = pades_total + sum(meter.render_s)
            return {
                "code": git_revision(),
                "database": db,
                "procedures": {"commune": BIRTH, "province": JUDICIAL},
                "dossiers": len(codes),
                "warmup": args.warmup,
                "seed_seconds": world["timings"],
                "total_seconds": round(total_s, 3),
                "dossiers_per_second": round(len(codes) / total_s, 2),
                # This Python process only (PostgreSQL's backend is another process): less
                # sensitive to other work on the machine than the wall-clock rate.
                "python_cpu_seconds": round(cpu_s, 3),
                "dossiers_per_python_cpu_second": round(len(codes) / cpu_s, 2),
                "per_dossier": summarize_ms(per_dossier),
                "statements_per_dossier": round(meter.statements / len(codes), 1),
                "phases": {k: summarize_ms(v) for k, v in meter.phases.items()},
                "phase_share": {
                    k: round(sum(v) / total_s, 3) for k, v in sorted(meter.phases.items())
                },
                "result_issue": {
                    "share": round(issue_total / total_s, 3),
                    "per_result": summarize_ms(meter.issue_s),
                },
                "pdf_rendering": {
                    "share": round(sum(meter.render_s) / total_s, 3) if has_pades else None,
                    "per_pdf": summarize_ms(meter.render_s),
                },
                "pades_signing": {
                    "share": round(pades_total / total_s, 3) if has_pades else None,
                    "per_signature": summarize_ms(meter.pades_s),
                },
                # Derived: the same run with the time inside PAdES signing, the PDF work
                # (render and sign) or the whole result issue (render, sign, store, e-wallet)
                # taken out.
                "dossiers_per_second_without_pades_signing": (
                    round(len(codes) / (total_s - pades_total), 2) if has_pades else None
                ),
                "dossiers_per_second_without_pdf": (
                    round(len(codes) / (total_s - pdf_total), 2) if has_pades else None
                ),
                "dossiers_per_second_without_result_issue": round(
                    len(codes) / (total_s - issue_total), 2
                ),
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return reexec_with_postgres(argv)
    load = warn_if_busy()
    result = run(args)
    result["load_average_1m_at_start"] = load
    result["load_average_1m_at_end"] = load_average()
    path = write_result(NAME, result, args.output)
    print()
    print(
        f"Whole process, PostgreSQL, in-process, sequential: {result['dossiers']} dossiers "
        f"({BIRTH[0]} at a ward, {JUDICIAL[0]} at a province) in {result['total_seconds']} s"
    )
    print(f"  dossiers/s, whole process         {result['dossiers_per_second']}")
    print(
        f"  dossiers per CPU-second of Python {result['dossiers_per_python_cpu_second']} "
        "(PostgreSQL's own CPU not included)"
    )
    print(f"  per dossier                       {format_ms(result['per_dossier'])}")
    print(f"  SQL statements per dossier        {result['statements_per_dossier']}")
    for phase, share in sorted(result["phase_share"].items(), key=lambda kv: -kv[1]):
        print(f"  {phase:32}  {share:6.1%}  {format_ms(result['phases'][phase])}")
    issue, pades = result["result_issue"], result["pades_signing"]
    print(f"  result issue (render, sign, store, e-wallet): {issue['share']:.1%} of the time")
    if pades["share"] is not None:
        render = result["pdf_rendering"]
        print(f"    PDF rendering:   {render['share']:6.1%}  {format_ms(render['per_pdf'])}")
        print(f"    PAdES signing:   {pades['share']:6.1%}  {format_ms(pades['per_signature'])}")
        print(
            "  dossiers/s without PAdES signing  "
            f"{result['dossiers_per_second_without_pades_signing']} (derived)"
        )
        print(
            "  dossiers/s without the PDF (render and sign) "
            f"{result['dossiers_per_second_without_pdf']} (derived)"
        )
    print(
        "  dossiers/s without the result issue "
        f"{result['dossiers_per_second_without_result_issue']} (derived)"
    )
    print(f"Result: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
