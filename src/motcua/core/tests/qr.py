"""Reading QR codes back out of our PDFs as a phone would: the page rendered to pixels by
poppler's pdftoppm, then decoded by ZXing. Tests using it skip where pdftoppm is missing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler's pdftoppm not installed (poppler-utils)"
)


def qr_payloads(pdf: bytes) -> list[str]:
    """The text of every QR code on every page of `pdf`."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
        )
        found: list[str] = []
        for page in sorted(Path(folder).glob("page*.png")):
            with Image.open(page) as image:
                found += [
                    code.text
                    for code in zxingcpp.read_barcodes(image)
                    if code.format == zxingcpp.BarcodeFormat.QRCode
                ]
        return found
