"""The contract's page layout with fpdf2: shipped fonts, HarfBuzz shaping, right-to-left pages.

Each language gets a main font and fallbacks for the glyphs it lacks (a Czech customer's
Japanese address still prints). Arabic runs through HarfBuzz (joined letter forms) and
fpdf2's bidi algorithm; its pages are laid out from the right, tables in mirrored order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from firstmile.kit.i18n import is_rtl, language_of

FONTS = Path(__file__).resolve().parent / "fonts"
_FACES = {
    "sans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    # Noto Sans merged with Noto Naskh Arabic (see fonts/merge.py): one face for both scripts.
    "arabic": ("FirstmileArabic-Regular.ttf", "FirstmileArabic-Bold.ttf"),
    # Droid Sans Fallback has no bold face; bold Japanese prints in the regular weight.
    "droid": ("DroidSansFallbackFull.ttf", "DroidSansFallbackFull.ttf"),
}
_MAIN = {"ar": "arabic", "ja": "droid"}
# Which fallback family a script needs (the main families cover Latin, Greek and Cyrillic).
_SCRIPTS = {
    "arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"),
    "droid": re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"),
}


def fallbacks_for(text: str) -> list[str]:
    """The fallback families `text` seems to need (a first guess; see `render`)."""
    return [family for family, pattern in _SCRIPTS.items() if pattern.search(text)]


# Babel puts bidi marks into Arabic numbers; the fonts have no glyphs for them and fpdf2
# runs its own bidi algorithm, so they are dropped before layout. Isolates (U+2066-2069)
# stay: fpdf2 honours them, and amounts on Arabic pages use them (see `ltr_isolate`).
_BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F)])
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def ltr_isolate(text: str) -> str:
    """Keep a left-to-right run (an amount with its sign) whole inside right-to-left text."""
    return f"{LRI}{text}{PDI}" if text else text


def isolate(text: str) -> str:
    """Keep a value whole in right-to-left text, in the direction of its first letter.

    Without it, "Firstmile Telco s.r.o." inside an Arabic sentence loses its final full stop
    to the Arabic side, and a cell's trailing punctuation jumps to the other end.
    """
    return f"{FSI}{text}{PDI}" if text and not text.startswith((LRI, FSI)) else text


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)


@dataclass(frozen=True)
class PageInfo:
    language: str
    title: str
    footer_left: str
    page_label: str
    created_at: datetime


class ContractPdf(FPDF):
    """An A4 document in one language, with a running footer."""

    def __init__(self, info: PageInfo, *, fallbacks: Sequence[str] | None = None) -> None:
        """`fallbacks`: the families besides the main one to load; None loads them all."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self._printed: set[str] = set()
        self.info = info
        self.rtl = is_rtl(info.language)
        self.main = _MAIN.get(language_of(info.language), "sans")
        wanted = {self.main, "sans", *(_FACES if fallbacks is None else fallbacks)}
        for family, (regular, bold) in _FACES.items():
            if family not in wanted:
                continue
            self.add_font(family, "", str(FONTS / regular))
            # Parsing the 4 MB Droid file twice costs time; a fallback's bold is optional
            # (fpdf2 then uses the regular face), the main family's is not.
            if bold != regular or family == self.main:
                self.add_font(family, "B", str(FONTS / bold))
        self.set_fallback_fonts(
            [f for f in ("sans", "arabic", "droid") if f != self.main and f in wanted]
        )
        # HarfBuzz shaping joins Arabic letters; Latin, Cyrillic and CJK print right without
        # it, and laying out without it is twice as fast. A paragraph's base direction is
        # the page's, not guessed from its first character ("1. الأطراف" is an Arabic
        # heading that starts with a digit).
        if self.rtl or "arabic" in wanted:
            self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr")
        self.set_lang(language_of(info.language))
        self.set_title(clean(info.title))
        self.set_creator("firstmile")
        self.set_creation_date(info.created_at)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()

    def normalize_text(self, text: str) -> str:
        self._printed.update(text)  # every text laid out passes here
        return super().normalize_text(text)

    def missing_glyphs(self) -> bool:
        """Whether a printed character has a glyph in none of the loaded fonts."""
        cmaps = [
            font.ttfont.getBestCmap() for font in self.fonts.values() if hasattr(font, "ttfont")
        ]
        return any(
            not any(ord(char) in cmap for cmap in cmaps)
            for char in self._printed
            if unicodedata.category(char)[0] not in "CZ"  # controls, format marks, spaces
        )

    @property
    def align(self) -> Align:
        return Align.R if self.rtl else Align.L

    def footer(self) -> None:
        self.set_y(-13)
        y, half = self.get_y(), self.epw / 2
        self.set_text_color(110)
        self.set_font(self.main, "", 7.5)
        name = clean(self.info.footer_left)
        self.set_x(self.l_margin + half if self.rtl else self.l_margin)
        self.cell(half, 5, isolate(name) if self.rtl else name, align=self.align)
        self._page_number(y)
        self.set_text_color(0)

    def _page_number(self, y: float) -> None:
        """ "Page 1/2" at the line's far end. The digits are set in Noto Sans: fpdf2 fills
        the {nb} alias reliably only there (with Droid Sans Fallback the total went missing)."""
        label = clean(self.info.page_label) + " "
        digits = f"{self.page_no()}/{{nb}}"
        label_w = self.get_string_width(label)
        self.set_font("sans", "", 7.5)
        digits_w = self.get_string_width(f"{self.page_no()}/99")
        if self.rtl:  # visually: digits, then the label to their right
            self.set_xy(self.l_margin, y)
            self.cell(digits_w, 5, digits)
            self.set_font(self.main, "", 7.5)
            self.cell(label_w, 5, label)
            return
        self.set_xy(self.l_margin + self.epw - label_w - digits_w, y)
        self.set_font(self.main, "", 7.5)
        self.cell(label_w, 5, label)
        self.set_font("sans", "", 7.5)
        self.cell(digits_w, 5, digits)  # left-aligned: "{nb}" is wider than the total it becomes

    def heading(self, text: str, size: float = 12) -> None:
        self.set_font(self.main, "B", size)
        self.ln(2)
        self.multi_cell(
            0, size * 0.55, clean(text), align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1)

    def paragraph(self, text: str, size: float = 9.5) -> None:
        self.set_font(self.main, "", size)
        self.multi_cell(
            0, size * 0.5, clean(text), align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1.5)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        *,
        numeric: Sequence[bool] = (),
    ) -> None:
        """A table; numeric columns align to the end of the line, RTL mirrors column order."""
        numbers = list(numeric) or [False] * len(header)
        order = list(range(len(header)))[:: -1 if self.rtl else 1]
        aligns = [("R" if self.rtl or numbers[i] else "L") for i in order]
        self.set_font(self.main, "", 8.5)
        with self.table(
            col_widths=tuple(widths[i] for i in order),
            text_align=tuple(aligns),
            line_height=4.6,
            first_row_as_headings=True,
            headings_style=FontFace(family=self.main, emphasis="BOLD", fill_color=(235, 238, 243)),
            borders_layout="HORIZONTAL_LINES",
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for i in order:
                    row.cell(isolate(clean(values[i])) if self.rtl else clean(values[i]))
        self.ln(2)
