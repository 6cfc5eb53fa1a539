"""INDEX.HTM as a reader sees it, laid out by headless Chromium: at 1280 and 390 px wide
every filled cell is shown (a phone stacks them as labelled cards, hiding nothing), and on
paper every page names the patient and its number, table headers repeat and no date is
broken.

The phone check runs in a wrapper page of the test's own (INDEX.HTM in a 390 px iframe, read
by a script in the wrapper): the packet itself holds no script."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from intake import api
from intake.packet.summary import summarise
from tests.conftest import APPOINTMENT

pytestmark = pytest.mark.skipif(
    not shutil.which("chromium") or not shutil.which("pdftotext"),
    reason="chromium and pdftotext (poppler-utils) are needed",
)

PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {{
  const win = event.target.contentWindow, doc = win.document;
  const cells = [...doc.querySelectorAll("td")].filter((td) => td.textContent.trim());
  const out = {{
    width: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    text: doc.body.innerText,
    hidden: cells.filter((td) => win.getComputedStyle(td).display === "none"
      || td.getClientRects().length === 0).map((td) => td.textContent.trim()),
    labels: cells.filter((td) => !td.classList.contains("wide")).map((td) => [
      td.closest("table").tHead?.rows[0].cells[td.cellIndex]?.textContent ?? "(no thead)",
      td.dataset.label || "",
      win.getComputedStyle(td, "::before").content,
    ]),
  }};
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
}});
</script></body></html>
"""


@pytest.fixture(scope="module")
def packet(oncology, tmp_path_factory):
    """The oncology sample's packet, its mammogram report left out: one study without a report."""
    records = tmp_path_factory.mktemp("records") / oncology.name
    shutil.copytree(oncology, records, symlinks=True)
    (records / "Mammogram report.pdf").unlink()
    out = tmp_path_factory.mktemp("out") / "PACKET"
    manifest = api.build_packet(records, out, api.Options(appointment=APPOINTMENT))
    return out, manifest


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def layout(packet_dir: Path, tmp_path: Path, width: int, height: int) -> dict:
    """What Chromium laid out of INDEX.HTM in a `width` px wide frame."""
    probe = tmp_path / f"probe-{width}.html"
    src = (packet_dir / "INDEX.HTM").as_uri()
    probe.write_text(PROBE.format(src=src, width=width, height=height), encoding="utf-8")
    run = chromium(tmp_path, "--allow-file-access-from-files", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the probe wrote nothing: {run.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def key_facts(manifest) -> set[str]:
    """What a reader must see of the labs and imaging: units, ranges, dates, flags."""
    facts = {"no report"}
    for trend in summarise(manifest).trends:
        facts |= {trend.unit, trend.reference_range, trend.latest.collected, trend.latest.flag}
    facts |= {study.date for d in manifest.documents for study in d.imaging}
    return {fact for fact in facts if fact}


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_every_filled_cell_is_shown_with_its_column_label(packet, tmp_path, width, height):
    out, manifest = packet
    assert "<script" not in (out / "INDEX.HTM").read_text(encoding="utf-8").lower()
    seen = layout(out, tmp_path, width, height)
    assert seen["width"] == width
    assert seen["scrollWidth"] <= width, "the page is wider than the screen"
    assert not seen["hidden"]
    text = seen["text"]
    facts = key_facts(manifest)
    assert len(facts) > 10 and {"H", "L", "mg/dL", "no report"} <= facts
    assert not [fact for fact in facts if fact not in text]
    for header, label, shown in seen["labels"]:
        assert label == header, (label, header)
        if width < 600:  # a phone shows each cell's column label before it
            assert shown == json.dumps(label), (shown, label)
        else:
            assert shown in ("none", "normal"), shown


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_screenshots_at_desktop_and_phone_width(packet, tmp_path, width, height):
    out, _ = packet
    shot = tmp_path / f"index-{width}.png"
    chromium(tmp_path, "--hide-scrollbars", f"--window-size={width},{height}",
             f"--screenshot={shot}", (out / "INDEX.HTM").as_uri())  # fmt: skip
    assert shot.is_file(), "chromium wrote no screenshot"
    image = Image.open(shot).convert("L")
    assert image.size == (width, height)
    dark = sum(image.histogram()[:128])
    assert dark > width * height * 0.01  # text and tables, not a blank page


def test_printed_pages_name_the_patient_and_repeat_table_headers(packet, tmp_path):
    out, manifest = packet
    pdf = tmp_path / "index.pdf"
    run = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                   (out / "INDEX.HTM").as_uri())  # fmt: skip
    assert pdf.is_file(), run.stderr[-500:]
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]
    assert len(pages) > 2
    name = manifest.patient.name
    assert name
    for number, page in enumerate(pages, 1):
        assert name in page, f"page {number} does not name the patient"
        assert f"Page {number} of {len(pages)}" in page
        assert not re.search(r"(?<!\d)\d{4}-(?:\d{2}-)?(?!\d)", page), f"a date broken on {number}"
        assert "file:" not in page and ".HTM" not in page  # no link targets printed
    assert "Diagnoses and problems" in pages[0]  # the summary first
    rows = [  # a labs table row: the test's name, then its latest value
        re.compile(rf"^ *{re.escape(t.name)}  +{re.escape(t.latest.value)}\b", re.M)
        for t in summarise(manifest).trends
    ]
    with_labs = [page for page in pages if any(row.search(page) for row in rows)]
    assert len(with_labs) > 1, "the labs table fits one page: headers cannot be seen repeating"
    for page in with_labs:
        assert re.search(r"^ *Test +Latest +Flag +Reference", page, re.M), page[:400]
    text = "\n".join(pages)
    assert not [fact for fact in key_facts(manifest) if fact not in text]


def test_readable_and_series_pages_name_the_patient_on_every_printed_page(packet, tmp_path):
    out, manifest = packet
    pages = sorted((out / "READABLE").glob("*.HTM")) + sorted((out / "PREVIEW").glob("*/*.HTM"))
    assert len(pages) >= 2
    for number, page in enumerate(pages):
        assert "<script" not in page.read_text(encoding="utf-8").lower()
        pdf = tmp_path / f"page{number}.pdf"
        chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
        printed = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")[:-1]
        assert printed, page
        for n, text in enumerate(printed, 1):
            assert manifest.patient.name in text and f"Page {n} of {len(printed)}" in text, page
