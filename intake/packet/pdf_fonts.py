"""Unicode fonts for intake's own PDF pages.

reportlab's built-in Helvetica shows Latin-1 only, and reportlab does no font fallback:
text is split here into runs by the font that can show each character (DejaVu Sans for
Latin, Greek, Cyrillic and Vietnamese; a CJK font for Chinese, Japanese and Korean), and
each run gets its own font. The fonts are found and registered with reportlab when a page
is first rendered, never at import. Without them, pages fall back to Helvetica and every
character it cannot show becomes a visible "?" (the packet's notes say so once).

Noto Sans CJK, the usual CJK font, has PostScript (CFF) outlines, which reportlab cannot
embed: the CJK fonts looked for are TrueType ones (WenQuanYi, Droid Sans Fallback).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

REGULAR, BOLD, CJK = "IntakeSans", "IntakeSans-Bold", "IntakeCJK"
HELVETICA, HELVETICA_BOLD = "Helvetica", "Helvetica-Bold"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
LATIN_FILES = (  # (regular, bold)
    (DEJAVU + "DejaVuSans.ttf", DEJAVU + "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/DejaVuSans.ttf", "/Library/Fonts/DejaVuSans-Bold.ttf"),
)
CJK_FILES = (  # TrueType outlines only; (path, font index in a collection)
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", 0),
)
MISSING_NOTE = (
    "PACKET.PDF: no Unicode font (DejaVu Sans) was found, so intake's own pages use "
    "Helvetica and show '?' for letters it lacks (install fonts-dejavu-core and "
    "fonts-wqy-microhei, then write the packet again)"
)
CJK_MISSING_NOTE = (
    "PACKET.PDF: no CJK font was found, so Chinese, Japanese and Korean letters on intake's "
    "own pages show as '?' (install fonts-wqy-microhei, then write the packet again)"
)


@dataclass(frozen=True)
class Fonts:
    """The fonts in use: reportlab names and which characters each can show."""

    regular: str = HELVETICA
    bold: str = HELVETICA_BOLD
    cjk: str | None = None
    shows: frozenset[int] = field(default_factory=frozenset)  # the regular font's characters
    cjk_shows: frozenset[int] = field(default_factory=frozenset)
    notes: tuple[str, ...] = ()  # what is missing, for the packet's notes

    def font_for(self, char: str, *, bold: bool = False) -> tuple[str, str]:
        """(font name, the character or its visible stand-in) for one character."""
        main = self.bold if bold else self.regular
        code = ord(char)
        if char in "\n\t" or code in self.shows:
            return main, char
        if self.cjk and code in self.cjk_shows:
            return self.cjk, char
        if self.regular == HELVETICA and _latin1(char):
            return main, char
        return main, "?"


def _latin1(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return ord(char) >= 32


def runs(text: str, fonts: Fonts, *, bold: bool = False) -> Iterator[tuple[str, str]]:
    """`text` as (font name, text) runs, each in a font that shows all of it."""
    current, pieces = None, []
    for char in text:
        font, shown = fonts.font_for(char, bold=bold)
        if font != current and pieces:
            yield current, "".join(pieces)
            pieces = []
        current = font
        pieces.append(shown)
    if pieces:
        yield current, "".join(pieces)


def markup(text: str, fonts: Fonts, *, bold: bool = False) -> str:
    """Paragraph markup for plain `text` (escaped: record text never becomes markup)."""
    return "".join(
        f'<font name="{font}">{escape(piece).replace(chr(10), "<br/>")}</font>'
        for font, piece in runs(text, fonts, bold=bold)
    )


def draw(canvas, x: float, y: float, text: str, size: float, fonts: Fonts) -> float:
    """Draw `text` on a reportlab canvas run by run from (x, y); returns the end x."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for font, piece in runs(text, fonts):
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, font, size)
    return x


def find(
    latin: tuple[tuple[str, str], ...] = LATIN_FILES,
    cjk: tuple[tuple[str, int], ...] = CJK_FILES,
    *,
    fontconfig: bool = True,
) -> Fonts:
    """Find and register the fonts (the first usable file of each list; fc-match is asked,
    if `fontconfig`, when none of the known paths exists). Helvetica when there is no Latin
    font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    notes: list[str] = []
    regular = bold = None
    asked = _fc_match("DejaVu Sans", latin) if fontconfig else []
    for regular_path, bold_path in (*latin, *asked):
        try:
            regular = TTFont(REGULAR, regular_path)
            bold = TTFont(BOLD, bold_path) if _exists(bold_path) else TTFont(BOLD, regular_path)
            break
        except (OSError, TTFError):
            regular = bold = None
    cjk_font = None
    for path, index in cjk:
        try:
            cjk_font = TTFont(CJK, path, subfontIndex=index)
            break
        except (OSError, TTFError):  # absent, or PostScript outlines
            continue
    if regular is None:
        notes.append(MISSING_NOTE)
    elif cjk_font is None:
        notes.append(CJK_MISSING_NOTE)
    for font in (regular, bold, cjk_font):
        if font is not None:
            pdfmetrics.registerFont(font)
    cjk_shows = frozenset(cjk_font.face.charToGlyph) if cjk_font else frozenset()
    if regular is None:
        return Fonts(cjk=cjk_font and CJK, cjk_shows=cjk_shows, notes=tuple(notes))
    return Fonts(
        REGULAR, BOLD, cjk_font and CJK, frozenset(regular.face.charToGlyph), cjk_shows,
        tuple(notes),
    )  # fmt: skip


def _exists(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


def _fc_match(family: str, known: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """fontconfig's file for `family` when none of the known paths exists."""
    if any(_exists(regular) for regular, _ in known) or not shutil.which("fc-match"):
        return []
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{family}:style=Book"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    path = done.stdout.strip()
    if "DejaVuSans" not in path:  # fontconfig's nearest may be any font
        return []
    return [(path, path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))]


@cache
def _found() -> Fonts:
    return find()


_chosen: ContextVar[Fonts | None] = ContextVar("intake_pdf_fonts", default=None)


def current() -> Fonts:
    """The fonts for the pages being rendered: those `using` gave, else the system's
    (found and registered on first use)."""
    return _chosen.get() or _found()


@contextmanager
def using(fonts: Fonts) -> Iterator[None]:
    """Render with `fonts` while the block runs (tests: the fallback without fonts)."""
    token = _chosen.set(fonts)
    try:
        yield
    finally:
        _chosen.reset(token)
