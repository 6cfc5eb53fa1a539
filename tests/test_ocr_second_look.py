"""A second OCR reading where the first looks scrambled; numbers read two ways left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake import ocr
from intake.extractors.pdf import read_pdf
from tests.layouts import tesseract_line

REAL = Path("/work/realcorpus/files")
needs_corpus = pytest.mark.skipif(not REAL.is_dir(), reason="real-world corpus not here")


def _read(text: str) -> ocr.OcrText:
    return ocr.OcrText(text)


def test_two_columns_of_prose_look_scrambled():
    # jsl_christianacare_h_and_p_scanned.pdf, page 1 read as one block (psm 6)
    line = "She normally takes 60 mg of oral Lasix daily.   (03/2013), pitonidal cyst removal at"
    assert ocr.looks_scrambled(_read("\n".join([line] * ocr.PROSE_ROWS)))
    assert not ocr.looks_scrambled(_read("\n".join([line] * (ocr.PROSE_ROWS - 1))))


def test_lab_rows_do_not_look_scrambled():
    # tsilva_unilabs_espinho_2024_cumulative_page.png, its rows read as one block
    rows = (
        "Hemoglobina (Hgb)   13.7   g/dL   13.2-16.6   13.2\n"
        "Volume Globular / Hematócrito (Hct)   40.4   %   38.3-48.6   37.9\n"
        "Conc.Hemoglobinica Glob.Med.   33.9   g/dL   32.0-36.5   34.8\n"
    ) * 3
    assert not ocr.looks_scrambled(_read(rows))
    assert ocr.table_rows(_read(rows)) == 9


def test_lines_read_over_each_other_look_scrambled():
    assert ocr.looks_scrambled(ocr.OcrText("G Holly K\noddard, Ho y", overlaps=1))


def test_values_apart_from_their_names_are_loose_numbers():
    # tsilva_unilabs_espinho_2024_cumulative_page.png read with Tesseract's defaults
    split = "Hemoglobina (Hgb)\nEritrócitos\n13.7\n4.45\nx10412/L\n13.2-16.6"
    assert ocr.loose_numbers(_read(split)) == 4


def _data(words: list[tuple[str, int, int]]) -> dict[str, list]:
    """Words on one line read at confidence 90: (word, left, width)."""
    return tesseract_line([(word, left, width, 90) for word, left, width in words])


def test_a_number_read_two_ways_is_left_out():
    # jsl_christianacare_h_and_p_scanned.pdf: 'ferrous sulfate 925 mg' at psm 6, 325 at psm 4
    first = _data([("ferrous", 0, 100), ("sulfate", 110, 100), ("925", 220, 50), ("mg", 280, 40)])
    second = _data([("ferrous", 0, 100), ("sulfate", 110, 100), ("325", 221, 49), ("mg", 280, 40)])
    assert ocr._disagreements(first, second) == {2: ("925", "325")}
    assert ocr._assemble(first, doubtful={2}).text == "ferrous sulfate ? mg"
    same = _data([("ferrous", 0, 100), ("sulfate", 110, 100), ("925", 222, 48), ("mg", 280, 40)])
    assert ocr._disagreements(first, same) == {}


@needs_corpus
def test_a_large_name_line_is_read_whole():
    read = read_pdf(REAL / "clinical_pdf/jsl_mankato_clinic_procedure_note_fax.pdf")
    assert "Goddard, Hol" in read.text
    assert "oddard, Ho y" not in read.text


@needs_corpus
def test_two_column_page_strengths_are_right_or_left_out():
    read = read_pdf(REAL / "clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf")
    assert "chlorthalidone 25 mg" in read.text
    assert "ferrous sulfate 925" not in read.text
    assert any("two ways" in warning for warning in read.warnings)


@needs_corpus
def test_a_photographed_tables_rows_stay_rows():
    from PIL import Image

    from intake.extractors.image import _prepare, read_upright

    path = REAL / "photo/tsilva_unilabs_espinho_2024_cumulative_page.png"
    with Image.open(path) as image:
        read = read_upright(_prepare(image, []))
    assert "Ferritina   251   ng/mL   22-322" in read.text
    assert "Hemoglobina (Hgb)   13.7   g/dL   13.2-16.6" in read.text


def _tsv(lines: list[list[tuple[str, float]]]) -> dict[str, list]:
    """Tesseract's TSV columns for lines of (word, confidence)."""
    data: dict[str, list] = {k: [] for k in ("text", "conf", "block_num", "par_num", "line_num")}
    for number, line in enumerate(lines, start=1):
        for word, conf in line:
            for key, value in zip(data, (word, conf, 1, 1, number), strict=True):
                data[key].append(value)
    return data


def test_lines_of_noise_are_counted():
    # jsl_caris_molecular_report_scanned.pdf, page 1: its ruled summary table read as one
    # block (psm 6); the clean lines above it do not count
    noise = [("BAF", 30.0), ("«dS", 12.0), ("|", 40.0), ("Wamtve", 20.0), ("BRAF", 91.0)]
    clean = [("Collection", 96.0), ("Date:", 95.0), ("04/29/2024", 93.0)]
    short = [("ae", 10.0), ("|", 5.0)]  # specks: too few words to say
    result = ocr.OcrText("", data=_tsv([noise, noise, clean, short, noise]))
    assert ocr.garbled_lines(result) == 3
    assert ocr.garbled_lines(ocr.OcrText("")) == 0


def test_unruled_paints_rulings_white_and_keeps_letters():
    from PIL import Image, ImageDraw

    page = Image.new("L", (1200, 600), 255)
    draw = ImageDraw.Draw(page)
    draw.line([(50, 100), (1150, 100)], fill=0, width=4)  # a table's rule across
    draw.line([(600, 100), (600, 500)], fill=0, width=4)  # a column's rule down
    draw.rectangle([(100, 200), (130, 240)], fill=0)  # a letter-sized blot
    plain = ocr.unruled(page)
    assert plain.getpixel((300, 101)) == 255
    assert plain.getpixel((600, 300)) == 255
    assert plain.getpixel((115, 220)) == 0


@needs_corpus
def test_ruled_table_read_without_its_rulings():
    # the Caris summary table (ruled grid): read as noise before, as its rows now
    pdf = REAL / "clinical_pdf" / "jsl_caris_molecular_report_scanned.pdf"
    found = {lab.test: lab.value for lab in read_pdf(pdf).labs}
    assert found.get("KRAS") == "p.G12C Detected"
    assert found.get("Microsatellite Instability") == "Stable (MSS)"
    assert found.get("Tumor Mutational Burden") == "12 mut/Mb"
