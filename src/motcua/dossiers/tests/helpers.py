"""Building dossier data the way a mobile client would: from the form's JSON Schema."""

from __future__ import annotations

import io
from typing import Any


def example_data(schema: dict[str, Any]) -> dict[str, Any]:
    """Every typed field's first example; read-only (prefilled) fields are left out."""
    out: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "object" or "properties" in prop:
            value = example_data(prop)
            if value:
                out[key] = value
        elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            item = example_data(prop["items"])
            if item:
                out[key] = [item] * max(1, int(prop.get("minItems", 1)))
        elif prop.get("examples"):
            out[key] = prop["examples"][0]
    return out


def pdf_bytes(text: str = "Giấy chứng sinh") -> bytes:
    from motcua.core.pdf import render_document

    return render_document(title=text, issuer="Bệnh viện Phụ sản Hà Nội", rows=[("Số", "123")])


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def attach_required(applicant, dossier) -> None:
    """Attach a PDF to every required component the form and the registries do not cover."""
    from motcua.catalog import selectors as catalog
    from motcua.dossiers import services

    for component in catalog.get_published(dossier.procedure_code).components.all():
        if (
            component.required
            and not component.replaced_by
            and not component.name.startswith(services.FORM_COMPONENT_PREFIX)
        ):
            services.add_file(
                applicant,
                dossier.reference,
                component=component.position,
                name="a.pdf",
                content=pdf_bytes(),
            )


def pdf_text(data: bytes) -> str:
    """The text of a PDF as a reader sees it: poppler's pdftotext, else the PDF tests' own
    reader of fpdf2's text."""
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
        )
        return done.stdout.decode()
    from motcua.core.tests.test_pdf import extract_text

    return extract_text(data)
