import io
import re
import shutil
import subprocess

import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from motcua.core import pdf as pdf_module
from motcua.core.pdf import MOTTO, NATION, render_document

RECEIPT = {
    "title": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "subtitle": "Mã hồ sơ: 000.00.12.H29-250115-0001",
    "issuer": "UBND HUYỆN MỸ ĐỨC\nỦY BAN NHÂN DÂN XÃ THƯỢNG LÂM",
    "rows": [
        ("Tiếp nhận hồ sơ của", "Nguyễn Thị Ánh Tuyết"),
        ("Địa chỉ", "Thôn Đồng Bến, xã Thượng Lâm, huyện Mỹ Đức, thành phố Hà Nội"),
        ("Thủ tục", "Đăng ký khai sinh"),
        ("Ngày hẹn trả kết quả", "Thứ Sáu, 17/01/2025, 16 giờ 00"),
    ],
    "paragraphs": [
        "Khi đến nhận kết quả, người nộp mang theo giấy tiếp nhận này và giấy tờ tùy thân."
    ],
    "qr_payload": "https://motcua.example.gov.vn/tra-cuu/000.00.12.H29-250115-0001",
    "footer": "Tra cứu tình trạng hồ sơ tại https://motcua.example.gov.vn",
    "metadata": {"creation_date": "2025-01-15T09:30:00"},
}


def render(**changes) -> bytes:
    return render_document(**{**RECEIPT, **changes})


def read(data: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(data))


def deref(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def pages(reader: PdfFileReader) -> list:
    return [deref(kid) for kid in reader.root["/Pages"]["/Kids"]]


# Text extraction without poppler: decode each shown string through its font's ToUnicode map.

_TOKENS = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\((?:\\.|[^\\)])*\)|\bET\b", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def replace(match: re.Match) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8) & 0xFF])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, literal, flags=re.DOTALL)


def _to_unicode(font) -> dict[int, str]:
    cmap = font["/ToUnicode"].data.decode("latin-1")
    mapping = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for start, end, text in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(text, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def extract_text(data: bytes) -> str:
    """All shown text, whitespace collapsed, pieces joined by spaces (as a reader would)."""
    pieces = []
    for page in pages(read(data)):
        fonts = page["/Resources"]["/Font"]
        maps = {name.lstrip("/"): _to_unicode(fonts[name]) for name in fonts}
        current: dict[int, str] = {}
        for match in _TOKENS.finditer(page["/Contents"].data):
            token = match.group(0)
            if match.group(1):
                current = maps[match.group(1).decode()]
            elif token == b"ET":
                pieces.append(" ")
            else:
                raw = _unescape(token[1:-1])
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                pieces.append("".join(current.get(code, "\ufffd") for code in codes))
    return " ".join("".join(pieces).split())


def flat(text: str) -> str:
    return " ".join(text.split())


# The document


def test_output_is_a_pdf_pyhanko_reads():
    reader = read(render())
    assert not reader.encrypted
    assert reader.root["/Pages"]["/Count"] == 1
    assert reader.root["/Lang"] == "vi"


def test_page_is_a4():
    box = [float(v) for v in pages(read(render()))[0]["/Parent"]["/MediaBox"]]
    assert box == pytest.approx([0, 0, 595.28, 841.89], abs=0.01)


def test_vietnamese_text_is_extractable():
    text = extract_text(render())
    for expected in [
        NATION,
        MOTTO,
        "UBND HUYỆN MỸ ĐỨC",
        "ỦY BAN NHÂN DÂN XÃ THƯỢNG LÂM",
        RECEIPT["title"],
        RECEIPT["subtitle"],
        *(part for row in RECEIPT["rows"] for part in row),
        *RECEIPT["paragraphs"],
        RECEIPT["qr_payload"],
        RECEIPT["footer"],
        "Trang 1/1",
    ]:
        assert flat(expected) in text, expected


def test_both_dejavu_fonts_are_embedded_with_unicode_maps():
    fonts = pages(read(render()))[0]["/Resources"]["/Font"]
    names = set()
    for name in fonts:
        font = fonts[name]
        descriptor = deref(font["/DescendantFonts"][0])["/FontDescriptor"]
        assert "/FontFile2" in descriptor
        assert "/ToUnicode" in font
        names.add(str(font["/BaseFont"]))
    assert names == {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext not installed")
def test_pdftotext_reads_the_vietnamese_text(tmp_path):
    path = tmp_path / "receipt.pdf"
    path.write_bytes(render())
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert MOTTO in out
    assert "Nguyễn Thị Ánh Tuyết" in out


def test_decomposed_input_is_rendered_composed():
    text = extract_text(render(rows=[("Họ tên", "Nguye\u0302\u0303n Va\u0306n A")]))
    assert "Nguyễn Văn A" in text


def test_metadata_comes_from_the_document_and_its_date_is_kept():
    info = read(render()).trailer["/Info"]
    assert info["/Title"] == RECEIPT["title"]
    assert info["/Author"] == "UBND HUYỆN MỸ ĐỨC - ỦY BAN NHÂN DÂN XÃ THƯỢNG LÂM"
    assert info["/Subject"] == RECEIPT["subtitle"]
    assert info["/CreationDate"] == "D:20250115093000+07'00'"


def test_metadata_can_be_given():
    metadata = {
        "title": "Kết quả",
        "author": "Sở Tư pháp",
        "subject": "Trích lục khai sinh",
        "keywords": "khai sinh",
        "creation_date": "2025-02-01T08:00:00+00:00",
    }
    info = read(render(metadata=metadata)).trailer["/Info"]
    assert info["/Title"] == "Kết quả"
    assert info["/Author"] == "Sở Tư pháp"
    assert info["/Subject"] == "Trích lục khai sinh"
    assert info["/Keywords"] == "khai sinh"
    assert info["/CreationDate"] == "D:20250201150000+07'00'"  # the same instant, Vietnam time


def test_unknown_metadata_key_is_a_programming_error():
    with pytest.raises(ValueError):
        render(metadata={"titel": "x"})


def test_same_input_and_date_give_the_same_bytes():
    assert render() == render()


def test_qr_code_is_an_image_when_asked_for():
    def images(data: bytes) -> list:
        resources = pages(read(data))[0]["/Resources"]
        xobjects = resources.get("/XObject", {})
        return [xobjects[name] for name in xobjects if xobjects[name]["/Subtype"] == "/Image"]

    with_qr = images(render())
    assert len(with_qr) == 1
    assert with_qr[0]["/Width"] == with_qr[0]["/Height"]
    assert images(render(qr_payload=None)) == []


def test_long_values_wrap_and_flow_onto_more_pages():
    long_value = "Thôn Đồng Bến, xã Thượng Lâm, huyện Mỹ Đức, thành phố Hà Nội. " * 200
    unbroken = "x" * 600
    data = render(
        rows=[("Địa chỉ", long_value), ("Mã", unbroken), ("Nhãn rất dài " * 30, "ngắn")],
        paragraphs=["Đoạn văn dài. " * 500],
        qr_payload="https://motcua.example.gov.vn/" + "a" * 500,
    )
    reader = read(data)
    assert reader.root["/Pages"]["/Count"] > 3
    text = extract_text(data)
    assert "Trang 1/" in text
    page_footers = re.compile(r" ?Tra cứu tình trạng hồ sơ tại \S+ Trang \d+/\d+")
    assert flat(long_value) in page_footers.sub("", text)


def test_minimal_document_renders():
    data = render_document(title="Thông báo", issuer="Sở Tư pháp", rows=[])
    assert "Thông báo" in extract_text(data)


@hypothesis_settings(max_examples=15, deadline=None)
@given(
    title=st.text(max_size=80),
    label=st.text(max_size=40),
    value=st.text(max_size=200),
    payload=st.one_of(st.none(), st.text(max_size=100)),
)
def test_any_text_renders_a_readable_pdf(title, label, value, payload):
    data = render(title=title, rows=[(label, value)], qr_payload=payload, paragraphs=[value])
    assert read(data).root["/Pages"]["/Count"] >= 1


def test_pyhanko_can_append_to_it_for_signing_later():
    writer = IncrementalPdfFileWriter(io.BytesIO(render()))
    append_signature_field(writer, SigFieldSpec("Signature1", on_page=0, box=(300, 60, 500, 120)))
    out = io.BytesIO()
    writer.write(out)
    reread = read(out.getvalue())
    assert deref(reread.root["/AcroForm"]["/Fields"][0])["/T"] == "Signature1"
    assert "Nguyễn Thị Ánh Tuyết" in extract_text(out.getvalue())


def test_cached_fonts_read_as_the_whole_font_file_does(monkeypatch):
    fast = render()

    def add_font(pdf: FPDF, style: str) -> None:
        path = pdf_module.FONT_DIR / pdf_module.FONT_FILES[style]
        pdf.add_font(pdf_module.FONT, style, str(path))

    monkeypatch.setattr(pdf_module, "_add_font", add_font)
    slow = render()
    assert extract_text(fast) == extract_text(slow)
    assert len(fast) < len(slow) * 1.2


def test_rendering_falls_back_to_the_font_file_if_the_cache_fails(monkeypatch):
    def broken(style: str):
        raise AttributeError("fpdf2 changed")

    monkeypatch.setattr(pdf_module, "_font_template", broken)
    assert "Nguyễn Thị Ánh Tuyết" in extract_text(render())


def test_characters_outside_the_font_do_not_stop_rendering():
    text = extract_text(render(rows=[("Tên", "Nguyễn 漢字 😀 A")]))
    assert "Nguyễn" in text


def test_successive_receipts_differ_by_their_code():
    outputs = [
        render(
            subtitle=f"Mã hồ sơ: 000.00.12.H29-250115-{number:04d}",
            qr_payload=f"https://motcua.example.gov.vn/tra-cuu/{number:04d}",
        )
        for number in range(5)
    ]
    assert len(set(outputs)) == 5
    assert all(output.startswith(b"%PDF-") for output in outputs)
