"""Checks on an uploaded file before anything is saved: its type is read from its content (never
from its name or the browser's content type), it must be within the size limit, parse as what
it claims to be, and carry a name that is safe to store and show."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from motcua.core.errors import InvalidInput

from .formats import format_bytes

logger = logging.getLogger(__name__)

# Broad catches around a parser of untrusted bytes are deliberate: pyHanko and Pillow raise
# their own errors, ValueError, OSError, even AssertionError on a malformed file, and a bad
# file must get a clear refusal, never a 500. Each such `try` holds only the parsing.


def note_unparsable(what: str, exc: BaseException) -> None:
    """Log a file a parser refused: quietly for the ways a malformed file usually fails, with
    the trace for any other, which may be a parser bug (or ours) worth looking at."""
    from pyhanko.pdf_utils.misc import PdfError

    expected = (PdfError, ValueError, OSError, SyntaxError, EOFError, struct.error)
    if isinstance(exc, expected):
        logger.info("%s: not parsable: %s: %s", what, type(exc).__name__, exc)
    else:
        logger.exception("%s: the parser failed unexpectedly", what)


PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
TIFF = "image/tiff"

DEFAULT_ALLOWED: frozenset[str] = frozenset({PDF, PNG, JPEG})
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 20
MAX_PIXELS = 50_000_000
MAX_NAME_CHARS = 200

# Per type: the label shown to people, the extensions a name may carry, Pillow's format name.
LABELS = {PDF: "PDF", JPEG: "JPG", PNG: "PNG", WEBP: "WEBP", TIFF: "TIFF"}
EXTENSIONS = {
    PDF: ("pdf",),
    PNG: ("png",),
    JPEG: ("jpg", "jpeg", "jpe", "jfif"),
    WEBP: ("webp",),
    TIFF: ("tif", "tiff"),
}
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP", TIFF: "TIFF"}

_EXTENSION = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,9})$")
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")


class UploadRefused(InvalidInput):
    """An uploaded file (tệp đính kèm) was refused; `reason` says why, for machines."""

    code = "upload-refused"
    title = "Tệp không được chấp nhận"

    def __init__(self, detail: str, *, reason: str, name: str | None = None) -> None:
        super().__init__(detail, reason=reason, name=name)
        self.reason = reason
        self.name = name


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed `check_upload`, with the exact bytes that were checked (save these,
    not a second read of the upload)."""

    name: str
    mime: str
    size: int
    sha256: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    data: bytes = field(default=b"", repr=False, compare=False)


def sanitize_name(name: str) -> str:
    """The last path part, NFC, without control or invisible format characters (which can
    disguise an extension) nor characters that filesystems refuse, at most 200 characters,
    extension kept. Vietnamese letters stay."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    if not name:
        name = "tep"
    if len(name) > MAX_NAME_CHARS:
        match = _EXTENSION.search(name)
        suffix = match.group(0) if match else ""
        name = name[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return name


def _limit_text(max_bytes: int) -> str:
    mb = 1024 * 1024
    if max_bytes >= mb and max_bytes % mb == 0:
        return f"{max_bytes // mb} MB"
    if max_bytes >= 1024 and max_bytes % 1024 == 0:
        return f"{max_bytes // 1024} KB"
    return format_bytes(max_bytes)


def _read(data: bytes | bytearray | memoryview | IO[bytes], limit: int) -> bytes:
    """At most `limit` bytes of `data`; a stream is read in pieces, never past `limit`."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:limit])
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = data.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(bytes(chunk))
        remaining -= len(chunk)
    return b"".join(chunks)


def sniff(head: bytes) -> str | None:
    """The MIME type told by the first bytes, among those this module knows, else None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    return None


def _accepted_text(allowed: frozenset[str]) -> str:
    return ", ".join(label for mime, label in LABELS.items() if mime in allowed)


def _check_pdf(data: bytes, name: str, *, refuse_active: bool = True) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
    except Exception as exc:  # untrusted bytes: see note_unparsable
        note_unparsable("pdf upload", exc)
        raise _unreadable(name, PDF) from exc
    if encrypted:
        raise UploadRefused(
            _("Tệp '%(name)s' được đặt mật khẩu hoặc mã hóa; vui lòng gửi bản không đặt mật khẩu.")
            % {"name": name},
            reason="encrypted",
            name=name,
        )
    try:
        pages = _count_pages(reader.root.raw_get("/Pages"))
        found = None
        if refuse_active:
            found = _active_content(reader.root) or _active_content_in_bytes(data)
    except Exception as exc:  # walking an untrusted object tree: see note_unparsable
        note_unparsable("pdf upload", exc)
        raise _unreadable(name, PDF) from exc
    if pages < 1:
        raise _unreadable(name, PDF)
    if found:
        raise UploadRefused(
            _(
                "Tệp '%(name)s' chứa nội dung chủ động (%(what)s), có thể gây hại khi mở; "
                "vui lòng in ra PDF thường hoặc quét lại rồi gửi."
            )
            % {"name": name, "what": _ACTIVE_LABELS[found]()},
            reason="active-content",
            name=name,
        )
    return pages


# Active content a viewer may run or open by itself: refused in uploads (a dossier's files are
# opened by officials). Values: what the refusal names, in Vietnamese.
_ACTIVE_LABELS = {
    "javascript": lambda: _("JavaScript"),
    "launch": lambda: _("lệnh mở chương trình /Launch"),
    "embedded-file": lambda: _("tệp nhúng"),
    "auto-action": lambda: _("hành động tự chạy /OpenAction hoặc /AA"),
}
_ACTIVE_KEYS = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/AA": "auto-action",
    "/EmbeddedFile": "embedded-file",
    "/EmbeddedFiles": "embedded-file",
    "/EF": "embedded-file",
}
_ACTIVE_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/ImportData": "auto-action",
    "/SubmitForm": "auto-action",
    "/RichMediaExecute": "auto-action",
}
_MAX_OBJECTS = 200_000


def _active_content(root: Any) -> str | None:
    """Walk every object reachable from the catalog (as a viewer would) and name the first
    active content found: JavaScript anywhere, launch actions, embedded files, additional
    actions (/AA), or an /OpenAction that is an action rather than a page to show."""
    from pyhanko.pdf_utils.generic import IndirectObject

    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > _MAX_OBJECTS:
                raise ValueError("too many objects")
            node = node.get_object()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _ACTIVE_KEYS:
                    return _ACTIVE_KEYS[key]
                if key == "/S" and value in _ACTIVE_ACTIONS:
                    return _ACTIVE_ACTIONS[str(value)]
                if key == "/Type" and value == "/EmbeddedFile":
                    return "embedded-file"
                if key == "/OpenAction":
                    action = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(action, dict) and "/S" in action and action["/S"] != "/GoTo":
                        return _ACTIVE_ACTIONS.get(str(action["/S"]), "auto-action")
                pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)
    return None


_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_RAW_ACTIVE = {
    b"/JS": "javascript",
    b"/JavaScript": "javascript",
    b"/Launch": "launch",
    b"/EmbeddedFile": "embedded-file",
    b"/EmbeddedFiles": "embedded-file",
    b"/AA": "auto-action",
}


def _active_content_in_bytes(data: bytes) -> str | None:
    """A backstop for objects no cross-reference points to (which a viewer repairing the file
    may still find): the same names anywhere in the uncompressed bytes, #xx escapes decoded."""
    for match in _NAME.finditer(data):
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(0))
        if name in _RAW_ACTIVE:
            return _RAW_ACTIVE[name]
    return None


def _count_pages(root: Any) -> int:
    """Leaves of the page tree actually reached (not the /Count a file declares); a tree that
    loops or is absurdly large counts as unreadable."""
    from pyhanko.pdf_utils.generic import IndirectObject

    seen: set[tuple[int, int]] = set()
    pending = [root]
    pages = 0
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                raise ValueError("page tree loops")
            seen.add(key)
        node = node.get_object() if hasattr(node, "get_object") else node
        if len(seen) > 100_000:
            raise ValueError("page tree too large")
        if "/Kids" in node and node.get("/Type") != "/Page":
            pending.extend(node.raw_get("/Kids") if hasattr(node, "raw_get") else node["/Kids"])
        else:
            pages += 1
    return pages


def _check_image(data: bytes, name: str, mime: str) -> tuple[int, int]:
    fmt = PILLOW_FORMATS[mime]
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(name, width, height)
            if width < 1 or height < 1:
                raise _unreadable(name, mime)
            image.verify()
        if mime == JPEG:
            # verify() is a no-op for JPEG: decode the whole scan, at 1/8 scale to stay cheap.
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, 0, 0) from exc
    except Exception as exc:  # untrusted bytes: see note_unparsable
        note_unparsable("image upload", exc)
        raise _unreadable(name, mime) from exc
    return width, height


def _unreadable(name: str, mime: str) -> UploadRefused:
    if mime == PDF:
        detail = _("Tệp '%(name)s' không phải PDF hợp lệ.") % {"name": name}
    else:
        detail = _("Tệp '%(name)s' không phải ảnh %(kind)s hợp lệ.") % {
            "name": name,
            "kind": LABELS[mime],
        }
    return UploadRefused(detail, reason="unreadable", name=name)


def _too_many_pixels(name: str, width: int, height: int) -> UploadRefused:
    size = f" ({width}×{height})" if width and height else ""
    return UploadRefused(
        _("Tệp '%(name)s' có kích thước ảnh quá lớn%(size)s; tối đa %(limit)s megapixel.")
        % {"name": name, "size": size, "limit": MAX_PIXELS // 1_000_000},
        reason="too-many-pixels",
        name=name,
    )


def check_upload(
    name: str,
    data: bytes | bytearray | memoryview | IO[bytes],
    *,
    max_bytes: int | None = None,
    allowed: frozenset[str] = DEFAULT_ALLOWED,
    refuse_active: bool = True,
) -> CheckedFile:
    """Check one uploaded file (bytes or a stream read from where it stands) and describe it;
    raise UploadRefused with a Vietnamese message and a `reason` code otherwise. A name without
    extension gets the one of its content. A PDF with active content (JavaScript, launch,
    embedded files, automatic actions) is refused unless `refuse_active` is False (a file only
    checked, never stored nor shown to anyone)."""
    limit = max_bytes if max_bytes is not None else upload_max_bytes()
    safe_name = sanitize_name(name)
    content = _read(data, limit + 1)

    if not content:
        raise UploadRefused(
            _("Tệp '%(name)s' rỗng.") % {"name": safe_name}, reason="empty", name=safe_name
        )
    if len(content) > limit:
        raise UploadRefused(
            _("Tệp '%(name)s' vượt quá %(limit)s.")
            % {"name": safe_name, "limit": _limit_text(limit)},
            reason="too-large",
            name=safe_name,
        )
    mime = sniff(content[:16])
    if mime is None or mime not in allowed:
        raise UploadRefused(
            _("Tệp '%(name)s' có định dạng không được chấp nhận: chỉ %(accepted)s.")
            % {"name": safe_name, "accepted": _accepted_text(allowed)},
            reason="unsupported-type",
            name=safe_name,
        )
    match = _EXTENSION.search(safe_name)
    if match is None:
        safe_name = sanitize_name(f"{safe_name}.{EXTENSIONS[mime][0]}")
    elif match.group(1).lower() not in EXTENSIONS[mime]:
        raise UploadRefused(
            _("Tệp '%(name)s' có đuôi .%(extension)s nhưng nội dung là %(kind)s.")
            % {"name": safe_name, "extension": match.group(1), "kind": LABELS[mime]},
            reason="mismatched-extension",
            name=safe_name,
        )

    pages = width = height = None
    if mime == PDF:
        pages = _check_pdf(content, safe_name, refuse_active=refuse_active)
    else:
        width, height = _check_image(content, safe_name, mime)
    return CheckedFile(
        name=safe_name,
        mime=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        width=width,
        height=height,
        data=content,
    )


def check_count(n: int, max_files: int | None = None) -> None:
    """Refuse a submission of more than `max_files` files at once."""
    limit = max_files if max_files is not None else upload_max_files()
    if n > limit:
        raise UploadRefused(
            _("Chỉ được gửi tối đa %(limit)s tệp mỗi lần (đã chọn %(count)s tệp).")
            % {"limit": limit, "count": n},
            reason="too-many-files",
        )


def upload_max_bytes() -> int:
    return int(getattr(settings, "MOTCUA_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def upload_max_files() -> int:
    return int(getattr(settings, "MOTCUA_UPLOAD_MAX_FILES", DEFAULT_MAX_FILES))
