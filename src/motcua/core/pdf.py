"""Small Vietnamese administrative documents as PDF (receipts now, e-results later): the
national motto header, a title, a label/value table, paragraphs and a QR code, laid out as
Decree 30/2020/NĐ-CP lays out a document. The output is a plain, unencrypted PDF that pyhanko
can open and sign incrementally (PAdES)."""

from __future__ import annotations

import copy
import functools
import io
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import qrcode
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from qrcode.constants import ERROR_CORRECT_M

from .formats import local

logger = logging.getLogger(__name__)
# fontTools reports every subset (glyph lists, timings) at INFO: dozens of lines per document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# The part of DejaVu a Vietnamese document may need: Latin with Vietnamese, Greek, Cyrillic,
# punctuation, currency (₫), arrows, maths, shapes, check marks. Parsing and subsetting the
# whole font (6,000 glyphs) for every document was most of the cost of a page.
UNICODE_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x04FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x27BF),
    (0xFFFD, 0xFFFD),
)
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
METADATA_KEYS = frozenset({"title", "author", "subject", "keywords", "creator", "creation_date"})

# Page geometry in millimetres: A4, margins of Decree 30/2020 (left 30, right 15, top and
# bottom 20).
LEFT, RIGHT, TOP, BOTTOM = 30.0, 15.0, 20.0, 20.0
ISSUER_WIDTH = 65.0
LABEL_WIDTH = 55.0
QR_SIZE = 32.0
LINE = 5.5  # line height of body text (11 pt)


def _clean(text: str, *, multiline: bool = True) -> str:
    """NFC (the font has precomposed Vietnamese letters, not combining marks) without control
    characters, which would otherwise reach the content stream."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        if ch == "\n" and multiline:
            kept.append(ch)
        elif ch in "\t\n\r":
            kept.append(" ")
        elif unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            kept.append(ch)
    return "".join(kept)


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        for style in FONT_FILES:
            _add_font(self, style)
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM + 6)
        self.set_lang("vi")
        self.set_creator("MotCua")

    def footer(self) -> None:
        self.set_y(-BOTTOM)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        page = f"Trang {self.page_no()}/{{nb}}"
        page_width = self.get_string_width(page.replace("{nb}", "999")) + 2
        if self.footer_text:
            self.multi_cell(
                self.epw - page_width, 4, self.footer_text, align=Align.L, max_line_height=4
            )
            self.set_y(-BOTTOM)
        self.set_x(self.l_margin + self.epw - page_width)
        self.cell(page_width, 4, page, align=Align.R)
        self.set_text_color(0)

    # Helpers drawing one block each; every one leaves the cursor at the left margin below it.

    def heading(self, issuer: str) -> None:
        top = self.y
        issuer_lines = [line.strip() for line in issuer.split("\n") if line.strip()] or [""]
        self.set_xy(self.l_margin, top)
        for index, line in enumerate(issuer_lines):
            last = index == len(issuer_lines) - 1
            self.set_font(FONT, "B" if last else "", 10)
            self.multi_cell(
                ISSUER_WIDTH, 5, line.upper(), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self._rule(self.l_margin + ISSUER_WIDTH / 2, self.y + 0.8, ISSUER_WIDTH / 3)
        left_bottom = self.y

        right_x = self.l_margin + ISSUER_WIDTH
        right_width = self.epw - ISSUER_WIDTH
        self.set_xy(right_x, top)
        self.set_font(FONT, "B", self._fit(NATION, right_width, "B", 10.5))
        self.cell(right_width, 5, NATION, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 11)
        self.cell(right_width, 5.5, MOTTO, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._rule(right_x + right_width / 2, self.y + 0.8, self.get_string_width(MOTTO))
        self.set_xy(self.l_margin, max(left_bottom, self.y) + 10)

    def title_block(self, title: str, subtitle: str) -> None:
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 6.5, title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT, "", 11)
            self.multi_cell(0, LINE, subtitle, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(5)

    def table_rows(self, rows: Iterable[tuple[str, str]]) -> None:
        """Two columns, label and value, each wrapped; a row may run over several pages."""
        value_width = self.epw - LABEL_WIDTH
        self.set_draw_color(170)
        self.set_line_width(0.1)
        for label, value in rows:
            self.set_font(FONT, "B", 10)
            label_lines = self._lines(LABEL_WIDTH - 2, label)
            self.set_font(FONT, "", 10)
            value_lines = self._lines(value_width - 2, value)
            for index in range(max(len(label_lines), len(value_lines))):
                if self.will_page_break(5):
                    self.add_page()
                y = self.y
                if index < len(label_lines):
                    self.set_font(FONT, "B", 10)
                    self.set_xy(self.l_margin + 1, y)
                    self.cell(LABEL_WIDTH - 2, 5, label_lines[index])
                if index < len(value_lines):
                    self.set_font(FONT, "", 10)
                    self.set_xy(self.l_margin + LABEL_WIDTH + 1, y)
                    self.cell(value_width - 2, 5, value_lines[index])
                self.set_xy(self.l_margin, y + 5)
            self.ln(1)
            self.line(self.l_margin, self.y, self.l_margin + self.epw, self.y)
            self.ln(1.5)
        self.set_draw_color(0)
        self.ln(3)

    def paragraph(self, text: str) -> None:
        self.set_font(FONT, "", 11)
        self.multi_cell(0, LINE, text, align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def qr(self, payload: str) -> None:
        self.set_font(FONT, "", 8)
        caption = self._lines(self.epw, _clean(payload, multiline=False))
        if self.will_page_break(QR_SIZE + 4 + 4 * len(caption)):
            self.add_page()
        self.ln(2)
        self.image(_qr_png(payload), x=self.l_margin, y=self.y, w=QR_SIZE, h=QR_SIZE)
        self.set_y(self.y + QR_SIZE + 1)
        for line in caption:
            if self.will_page_break(4):
                self.add_page()
            self.cell(self.epw, 4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _lines(self, width: float, text: str) -> list[str]:
        if not text:
            return [""]
        lines = self.multi_cell(width, 5, text, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)
        return [str(line) for line in lines] or [""]

    def _fit(self, text: str, width: float, style: str, size: float) -> float:
        """The largest font size up to `size` at which `text` fits in `width`."""
        while size > 6:
            self.set_font(FONT, style, size)
            if self.get_string_width(text) <= width - 2:
                break
            size -= 0.5
        return size

    def _rule(self, centre: float, y: float, width: float) -> None:
        self.set_line_width(0.3)
        self.line(centre - width / 2, y, centre + width / 2, y)
        self.set_line_width(0.2)


@functools.cache
def _font_template(style: str) -> tuple[TTFFont, bytes]:
    """Once per process: the font cut down to UNICODE_RANGES, and fpdf2's view of it."""
    from fontTools import subset

    font = ttLib.TTFont(str(FONT_DIR / FONT_FILES[style]), recalcTimestamp=False)
    options = subset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        glyph_names=True,
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        layout_features=[],
        hinting=True,
    )
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(
        unicodes=[c for first, last in UNICODE_RANGES for c in range(first, last + 1)]
    )
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    lean = buffer.getvalue()
    template = TTFFont(FPDF(), io.BytesIO(lean), f"{FONT.lower()}{style}", style)  # type: ignore[arg-type]
    return template, lean


def _add_font(pdf: FPDF, style: str) -> None:
    """`pdf.add_font` without parsing the font again: a copy of the per-process template with
    its own per-document state (glyph subset, widths cache, font program to subset). Relies on
    fpdf2's TTFFont attributes; test_pdf checks the result, and any surprise from a new fpdf2
    falls back to loading the whole font file."""
    try:
        template, lean = _font_template(style)
        font = copy.copy(template)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(lean), recalcTimestamp=False, lazy=True)
        widths = template.cw
        assert isinstance(widths, defaultdict)
        font.cw = defaultdict(widths.default_factory, widths)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
    except Exception:
        # Deliberately broad: this leans on fpdf2's private attributes, and whatever an fpdf2
        # upgrade changed there, the slow, sure road still renders the document.
        logger.exception("Cached font copy failed; loading the font file")
        pdf.add_font(FONT, style, str(FONT_DIR / FONT_FILES[style]))
        return
    pdf.fonts[font.fontkey] = font


def _qr_png(payload: str) -> io.BytesIO:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=2)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _creation_date(value: str) -> datetime:
    return local(datetime.fromisoformat(value))


def render_document(
    *,
    title: str,
    subtitle: str = "",
    issuer: str,
    rows: Sequence[tuple[str, str]],
    paragraphs: Sequence[str] = (),
    qr_payload: str | None = None,
    footer: str = "",
    metadata: Mapping[str, str] | None = None,
    images: Sequence[bytes] = (),
) -> bytes:
    """An A4 PDF: issuer (lines separated by newlines, the last one bold) and national motto,
    the title, `rows` as a label/value table, `paragraphs`, a QR code of `qr_payload` with the
    payload written under it, and `footer` on every page with the page number.

    `images` (JPEG or PNG bytes) follow, one per page: a scanned paper's pages.

    `metadata` may set title, author, subject, keywords, creator and creation_date (ISO 8601;
    naive means Vietnam time); with a creation_date the output is byte-for-byte reproducible.
    """
    meta: dict[str, Any] = dict(metadata or {})
    unknown = set(meta) - METADATA_KEYS
    if unknown:
        raise ValueError(f"Unknown PDF metadata keys: {sorted(unknown)}")

    pdf = _Document(_clean(footer, multiline=False))
    pdf.set_title(_clean(meta.get("title") or title, multiline=False))
    pdf.set_author(_clean(meta.get("author") or issuer.replace("\n", " - "), multiline=False))
    pdf.set_subject(_clean(meta.get("subject") or subtitle or title, multiline=False))
    if meta.get("keywords"):
        pdf.set_keywords(_clean(meta["keywords"], multiline=False))
    if meta.get("creator"):
        pdf.set_creator(_clean(meta["creator"], multiline=False))
    if meta.get("creation_date"):
        pdf.set_creation_date(_creation_date(meta["creation_date"]))

    pdf.add_page()
    pdf.heading(_clean(issuer))
    pdf.title_block(_clean(title), _clean(subtitle))
    if rows:
        pdf.table_rows((_clean(label), _clean(value)) for label, value in rows)
    for text in paragraphs:
        pdf.paragraph(_clean(text))
    if qr_payload:
        pdf.qr(qr_payload)
    for image in images:  # scanned pages (JPEG, PNG), one per page, fitted to the margins
        pdf.add_page()
        pdf.image(
            io.BytesIO(image), x=LEFT, y=TOP, w=pdf.epw, h=pdf.eph - 8, keep_aspect_ratio=True
        )
    return bytes(pdf.output())
