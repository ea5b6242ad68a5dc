import contextlib
import hashlib
import io
import struct
import zlib

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from motcua.core.errors import InvalidInput
from motcua.core.uploads import (
    DEFAULT_MAX_BYTES,
    JPEG,
    PDF,
    PNG,
    TIFF,
    CheckedFile,
    UploadRefused,
    check_count,
    check_upload,
    sanitize_name,
)


def make_pdf(pages: int = 1, *, password: str | None = None) -> bytes:
    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Page {number + 1}")
    return bytes(pdf.output())


def make_image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` but holds almost nothing: a bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(name: str, data: bytes, **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_upload(name, data, **kwargs)
    return caught.value


# Accepted files


def test_real_pdf_is_accepted_with_its_page_count_and_digest():
    data = make_pdf(pages=3)
    checked = check_upload("Đơn đăng ký.pdf", data)
    assert checked == CheckedFile(
        name="Đơn đăng ký.pdf",
        mime=PDF,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=3,
    )
    assert checked.data == data


def test_png_is_accepted_with_its_dimensions():
    checked = check_upload("anh.png", make_image("PNG", (40, 30)))
    assert (checked.mime, checked.width, checked.height, checked.pages) == (PNG, 40, 30, None)


@pytest.mark.parametrize("name", ["CCCD mặt trước.jpg", "scan.JPEG", "photo.jfif"])
def test_jpeg_is_accepted_under_any_of_its_extensions(name):
    checked = check_upload(name, make_image("JPEG"))
    assert checked.mime == JPEG
    assert checked.name == name


def test_a_stream_is_read_like_bytes():
    data = make_pdf()
    assert check_upload("a.pdf", io.BytesIO(data)).sha256 == hashlib.sha256(data).hexdigest()


def test_a_name_without_extension_gets_the_one_of_its_content():
    assert check_upload("giay to", make_image("PNG")).name == "giay to.png"


def test_types_outside_the_default_list_can_be_allowed():
    data = make_image("TIFF")
    assert refusal("a.tiff", data).reason == "unsupported-type"
    assert check_upload("a.tiff", data, allowed=frozenset({TIFF})).mime == TIFF


# Refused by type


def test_executable_named_pdf_is_refused_as_unsupported():
    error = refusal("hoso.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    assert error.reason == "unsupported-type"
    assert error.detail == ("Tệp 'hoso.pdf' có định dạng không được chấp nhận: chỉ PDF, JPG, PNG.")


def test_html_named_png_is_refused_as_unsupported():
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    assert refusal("anh.png", html).reason == "unsupported-type"


def test_png_named_pdf_is_refused_as_mismatched():
    error = refusal("don.pdf", make_image("PNG"))
    assert error.reason == "mismatched-extension"
    assert "PNG" in error.detail


def test_pdf_named_html_is_refused_as_mismatched():
    assert refusal("trang.html", make_pdf()).reason == "mismatched-extension"


def test_pdf_hidden_after_an_html_preamble_is_refused():
    polyglot = b"<html><body>hi</body></html>\n" + make_pdf()
    assert refusal("x.pdf", polyglot).reason == "unsupported-type"


def test_png_signature_followed_by_a_pdf_is_refused():
    polyglot = b"\x89PNG\r\n\x1a\n" + make_pdf()
    assert refusal("x.pdf", polyglot).reason == "mismatched-extension"
    assert refusal("x.png", polyglot).reason == "unreadable"


# Refused by content


def test_truncated_pdf_is_refused_as_unreadable():
    data = make_pdf(pages=2)
    error = refusal("cut.pdf", data[: len(data) // 2])
    assert error.reason == "unreadable"
    assert error.detail == "Tệp 'cut.pdf' không phải PDF hợp lệ."


def test_pdf_header_followed_by_garbage_is_refused():
    assert refusal("g.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8).reason == "unreadable"


def test_a_malformed_pdf_is_refused_quietly(caplog):
    with caplog.at_level("INFO", logger="motcua.core.uploads"):
        assert refusal("g.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8).reason == "unreadable"
    assert caplog.records and all(r.levelname == "INFO" for r in caplog.records)


def test_a_parser_failing_unexpectedly_still_refuses_the_file_but_is_logged_with_its_trace(
    caplog, monkeypatch
):
    from pyhanko.pdf_utils import reader

    def buggy(*args, **kwargs):
        raise AssertionError("a parser bug")

    monkeypatch.setattr(reader, "PdfFileReader", buggy)
    assert refusal("ok.pdf", make_pdf()).reason == "unreadable"
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and errors[0].exc_info is not None


def test_encrypted_pdf_is_refused():
    assert refusal("secret.pdf", make_pdf(password="123456")).reason == "encrypted"


def test_truncated_jpeg_is_refused():
    data = make_image("JPEG", (200, 200))
    assert refusal("a.jpg", data[: len(data) // 2]).reason == "unreadable"


def test_png_with_a_corrupted_chunk_is_refused():
    data = bytearray(make_image("PNG"))
    data[40] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert refusal("a.png", bytes(data)).reason == "unreadable"


def test_image_bomb_header_is_refused_before_decoding():
    error = refusal("bomb.png", png_declaring(100_000, 100_000))
    assert error.reason == "too-many-pixels"


def test_image_just_over_the_pixel_limit_is_refused():
    assert refusal("big.png", png_declaring(10_000, 5_001)).reason == "too-many-pixels"


# Refused by size


def test_empty_file_is_refused():
    error = refusal("rong.pdf", b"")
    assert error.reason == "empty"
    assert error.detail == "Tệp 'rong.pdf' rỗng."


def test_file_over_the_limit_is_refused_naming_the_limit():
    error = refusal("lon.pdf", make_pdf(), max_bytes=100)
    assert error.reason == "too-large"
    assert error.detail == "Tệp 'lon.pdf' vượt quá 100 byte."


def test_limit_is_said_in_megabytes():
    data = b"%PDF-" + b"\x00" * (2 * 1024 * 1024)
    assert refusal("a.pdf", data, max_bytes=1024 * 1024).detail.endswith("vượt quá 1 MB.")


def test_default_limit_comes_from_settings(settings):
    settings.MOTCUA_UPLOAD_MAX_BYTES = 50
    assert refusal("a.pdf", make_pdf()).reason == "too-large"


def test_default_limit_is_ten_megabytes():
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


class CountingStream(io.RawIOBase):
    """An endless stream that remembers how much was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"\x00" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


def test_a_huge_stream_is_read_only_up_to_the_limit():
    stream = CountingStream()
    assert refusal("huge.pdf", stream, max_bytes=1000).reason == "too-large"
    assert stream.served == 1001


def test_exactly_the_limit_is_accepted():
    data = make_pdf()
    assert check_upload("a.pdf", data, max_bytes=len(data)).size == len(data)


# Refusals are domain errors


def test_refusal_is_an_invalid_input_with_its_reason_and_name():
    error = refusal("../../etc/x.pdf", b"")
    assert isinstance(error, InvalidInput)
    assert (error.status, error.code) == (400, "upload-refused")
    assert error.extra == {"reason": "empty", "name": "x.pdf"}


# Names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\An\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("báo\x00cáo\r\n.pdf", "báocáo.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("  ..hidden.pdf ", "hidden.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("", "tep"),
        ("Nguye\u0302\u0303n.pdf", "Nguyễn.pdf"),  # decomposed letters composed (NFC)
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitize_name(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = sanitize_name("Đ" * 500 + ".pdf")
    assert len(name) == 200
    assert name.endswith("Đ.pdf")


@given(st.text())
def test_any_name_sanitises_to_a_safe_name(raw):
    name = sanitize_name(raw)
    assert 0 < len(name) <= 200
    assert "/" not in name and "\\" not in name
    assert name == name.strip(" .")
    assert all(ch >= " " and ch != "\x7f" for ch in name)


# Counts


def test_count_within_the_limit_passes():
    check_count(20)


def test_count_over_the_limit_is_refused(settings):
    settings.MOTCUA_UPLOAD_MAX_FILES = 3
    with pytest.raises(UploadRefused) as caught:
        check_count(4)
    assert caught.value.reason == "too-many-files"
    assert "tối đa 3 tệp" in caught.value.detail


def test_count_limit_can_be_given():
    with pytest.raises(UploadRefused):
        check_count(2, max_files=1)


# Anything at all


PREFIXES = [
    b"",
    b"%PDF-1.4\n",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"II*\x00",
    b"MZ",
]


@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=2048),
    name=st.text(max_size=40),
    everything=st.booleans(),
)
def test_arbitrary_bytes_are_checked_or_refused_never_crash(prefix, body, name, everything):
    allowed = frozenset({PDF, PNG, JPEG, TIFF, "image/webp"}) if everything else None
    kwargs = {"allowed": allowed} if allowed else {}
    data = prefix + body
    try:
        checked = check_upload(name, data, max_bytes=4096, **kwargs)
    except UploadRefused as error:
        assert error.reason in {
            "too-large",
            "empty",
            "unsupported-type",
            "mismatched-extension",
            "unreadable",
            "encrypted",
            "too-many-pixels",
        }
    else:
        assert checked.size == len(data)


SAMPLES = [make_pdf(), make_image("PNG"), make_image("JPEG", (64, 64))]


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_real_files_are_checked_or_refused_never_crash(data):
    original = data.draw(st.sampled_from(SAMPLES))
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(st.binary(min_size=1, max_size=16))
    mutated = original[:position] + replacement + original[position + len(replacement) :]
    with contextlib.suppress(UploadRefused):
        check_upload("tep", mutated)
