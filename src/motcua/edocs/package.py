"""The package format `motcua-edoc/1` (gói văn bản điện tử): a zip that another installation
can import, described in this app's README.md. Building is deterministic (fixed timestamps and
order), parsing is strict (no undeclared entries, no unsafe names, bounded sizes)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from . import crypto

FORMAT = "motcua-edoc/1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
CONTENT = "content.bin"  # a confidential document's encrypted inner package
INNER_MANIFEST = "inner.json"
MAX_ENTRIES = 200
MAX_TOTAL_BYTES = 200 * 1024 * 1024
_SAFE_PATH = re.compile(r"^files/[0-9]{2}-[A-Za-z0-9._-]{1,120}$")
_EPOCH = (1980, 1, 1, 0, 0, 0)


class Malformed(Exception):
    """The bytes are not a well-formed package; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class File:
    name: str
    media_type: str
    data: bytes
    role: str = "attachment"  # main | attachment
    pades: bool = False


@dataclass
class Parsed:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: dict[str, Any]
    entries: dict[str, bytes] = field(default_factory=dict)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def safe_name(name: str, index: int) -> str:
    """The path of the index-th file in the package: `files/01-<ascii name>`."""
    from django.utils.text import get_valid_filename, slugify

    stem, dot, ext = name.rpartition(".")
    base = slugify(stem if dot else name) or "tep"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10] if dot else ""
    cleaned = get_valid_filename(f"{base[:100]}.{ext}" if ext else base[:100])
    return f"files/{index:02d}-{cleaned}"


def file_entries(files: list[File]) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    listed, data = [], {}
    for index, f in enumerate(files, start=1):
        path = safe_name(f.name, index)
        listed.append(
            {
                "path": path,
                "name": f.name,
                "media_type": f.media_type,
                "role": f.role,
                "size": len(f.data),
                "sha256": crypto.sha256_hex(f.data),
                "pades": f.pades,
            }
        )
        data[path] = f.data
    return listed, data


def write_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = (
                zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def read_zip(data: bytes, allowed: set[str] | None = None) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise Malformed("Tệp không phải một gói văn bản (zip) hợp lệ.") from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise Malformed("Gói văn bản quá lớn hoặc có quá nhiều tệp.")
    entries: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        if name in entries:
            raise Malformed(f"Gói có hai tệp cùng tên {name}.")
        if name not in (MANIFEST, SIGNATURE, CONTENT, INNER_MANIFEST) and not _SAFE_PATH.match(
            name
        ):
            raise Malformed(f"Gói có tệp tên không hợp lệ: {name[:200]}.")
        try:
            entries[name] = archive.read(info)
        except (zipfile.BadZipFile, ValueError, OSError):
            raise Malformed(f"Tệp {name} trong gói bị hỏng.") from None
    return entries


def build(manifest: dict[str, Any], payload: dict[str, bytes], *, sign_private: bytes) -> bytes:
    """A signed package: manifest.json, signature.json (Ed25519 over the exact bytes of
    manifest.json), then the payload entries in the manifest's order."""
    manifest_bytes = canonical_json(manifest)
    sender = manifest["sender"]
    signature = {
        "alg": crypto.SIGN_ALG,
        "agency_code": sender["agency_code"],
        "key_version": sender["key_version"],
        "manifest_sha256": crypto.sha256_hex(manifest_bytes),
        "signature": crypto.b64(crypto.sign(sign_private, manifest_bytes)),
    }
    entries = [(MANIFEST, manifest_bytes), (SIGNATURE, canonical_json(signature))]
    entries += [(p, payload[p]) for p in sorted(payload)]
    return write_zip(entries)


def parse(data: bytes) -> Parsed:
    entries = read_zip(data)
    if MANIFEST not in entries or SIGNATURE not in entries:
        raise Malformed("Gói thiếu bản kê (manifest.json) hoặc chữ ký (signature.json).")
    manifest_bytes = entries.pop(MANIFEST)
    try:
        manifest = json.loads(manifest_bytes)
        signature = json.loads(entries.pop(SIGNATURE))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Malformed("Bản kê hoặc chữ ký của gói không phải JSON hợp lệ.") from None
    if not isinstance(manifest, dict) or not isinstance(signature, dict):
        raise Malformed("Bản kê hoặc chữ ký của gói không đúng cấu trúc.")
    if manifest.get("format") != FORMAT:
        raise Malformed(
            f"Định dạng gói {str(manifest.get('format'))[:40]!r} không được hỗ trợ "
            f"(hỗ trợ {FORMAT})."
        )
    return Parsed(manifest, manifest_bytes, signature, entries)


def check_files(listed: list[dict[str, Any]], entries: dict[str, bytes]) -> list[dict[str, Any]]:
    """Each listed file present with its size and SHA-256, and nothing unlisted. Returns the
    problems, each naming its file."""
    problems = []
    for item in listed:
        path = str(item.get("path", ""))
        data = entries.get(path)
        if data is None:
            problems.append({"loc": [path], "msg": f"Thiếu tệp {path} có trong bản kê."})
            continue
        actual = crypto.sha256_hex(data)
        if actual != item.get("sha256") or len(data) != item.get("size"):
            problems.append(
                {
                    "loc": [path],
                    "msg": (
                        f"Tệp {path} không khớp mã băm trong bản kê: "
                        f"SHA-256 ghi {str(item.get('sha256'))[:64]}, tính được {actual}."
                    ),
                }
            )
    declared = {str(i.get("path")) for i in listed}
    for path in sorted(set(entries) - declared):
        problems.append({"loc": [path], "msg": f"Tệp {path} không có trong bản kê."})
    return problems
