"""Words on a page, built by hand for layout tests: Tesseract's TSV columns and pdfplumber-like
word rows."""

from __future__ import annotations

from intake.understand.lab_table import Word


def tesseract_line(words: list[tuple[str, int, int, int]]) -> dict[str, list]:
    """Tesseract's columns (image_to_data) for words on one line: (word, left, width, conf)."""
    n = len(words)
    return {
        "level": [5] * n,
        "page_num": [1] * n,
        "block_num": [1] * n,
        "par_num": [1] * n,
        "line_num": [1] * n,
        "word_num": list(range(1, n + 1)),
        "left": [left for _, left, _, _ in words],
        "top": [10] * n,
        "width": [width for _, _, width, _ in words],
        "height": [20] * n,
        "conf": [conf for _, _, _, conf in words],
        "text": [word for word, _, _, _ in words],
    }


def word_row(top: float, *cells: tuple[float, str]) -> list[Word]:
    """Words at x (points, 5 per character), 8 points high; each cell's words one space apart."""
    words = []
    for x, text in cells:
        for word in text.split():
            words.append(Word(word, x, x + 5 * len(word), top, top + 8))
            x += 5 * (len(word) + 1)
    return words
