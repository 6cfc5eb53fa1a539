"""One policy for a run that needs OCR when Tesseract is missing.

What a PDF holds as text is always kept; only its scanned pages (and photos) go unread. Each
such document carries a warning naming what was not read, the check turns it into an
`ocr-missing` finding, nothing of it is cached (it is read again once Tesseract is
installed), and the command exits MISSING_DEPENDENCY (3) at the end, printing the install
command once.
"""

from __future__ import annotations

from collections.abc import Iterable

from intake.model import Document, Finding, Manifest

NOT_INSTALLED = "Tesseract OCR is not installed"
INSTALL_HINT = (
    "install Tesseract OCR: 'sudo apt-get install tesseract-ocr' (Debian/Ubuntu), "
    "'brew install tesseract' (macOS)"
)
MARK = "not read: Tesseract"  # in every warning this policy writes
FINDING = "ocr-missing"
BATCH_REASON = "scanned pages or photos not read: Tesseract OCR is missing or too old"


def warning(what: str, reason: str = NOT_INSTALLED) -> str:
    """The document's warning; `what` names what went unread ("page 2 of 3", "the image"),
    `reason` is why (it starts with "Tesseract")."""
    return f"{what} not read: {reason} (it needs OCR)"


def pages_warning(
    numbers: list[int], total: int, reason: str = NOT_INSTALLED, *, images_only: bool = False
) -> str:
    """The warning for pages `numbers` (1-based) of a `total`-page PDF: scanned pages, or
    with `images_only` the scanned part of mixed pages (whose text layer is kept)."""
    shown = ", ".join(map(str, numbers[:10])) + (
        f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    )
    label = "page" if len(numbers) == 1 else "pages"
    what = f"{label} {shown} of {total}"
    return warning(f"the images on {what} (their text is kept)" if images_only else what, reason)


def advice(unread_files: int) -> str:
    """What the command prints once at the end when files were left partly unread."""
    files = "1 file" if unread_files == 1 else f"{unread_files} files"
    return (
        f"{files} had scanned pages or photos that were not read: Tesseract OCR is missing "
        f"or too old. To read them, {INSTALL_HINT}; then run intake again."
    )


def lacks_ocr(document: Document) -> bool:
    """Some of the document was left unread because Tesseract is missing."""
    return any(MARK in w for w in document.warnings)


def findings(documents: Iterable[Document]) -> list[Finding]:
    """One `ocr-missing` finding per document with unread scanned pages or photos."""
    return [
        Finding(
            FINDING,
            "warning",
            f"{d.source}: " + "; ".join(w for w in d.warnings if MARK in w),
            [d.id],
        )
        for d in documents
        if lacks_ocr(d)
    ]


def unread(manifest: Manifest) -> int:
    """How many documents of the run have pages left unread for lack of Tesseract."""
    return sum(f.code == FINDING for f in manifest.findings)
