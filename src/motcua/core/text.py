"""Text helpers for Vietnamese search: fold case and diacritics so that "thuong lam" finds
"Xã Thượng Lâm" and "dang ky khai sinh" finds "Đăng ký khai sinh"."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed and runs of other characters made one space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def tokens(text: str) -> list[str]:
    return fold(text).split()
