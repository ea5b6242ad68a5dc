"""`manage.py demo_result --out DIR` writes a signed result PDF that verifies."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from motcua.results import services

pytestmark = pytest.mark.django_db


def test_demo_result_writes_a_signed_pdf_and_says_how_to_check_it(world, tmp_path):
    out = io.StringIO()
    call_command("demo_result", out=str(tmp_path), stdout=out)
    files = list(tmp_path.glob("ket-qua-demo-*.pdf"))
    assert len(files) == 1
    assert services.verify_pdf(files[0].read_bytes()).valid
    assert f"pdfsig {files[0]}" in out.getvalue()
