"""Fast start: the command line and the API load no heavy library until a file needs it.

Each check runs a fresh Python and lists which heavy packages ended up in sys.modules, so a
top-level `import pydicom` anywhere on the path from intake.cli fails it (a module-set test,
not a timing one: the time it saves is in bench/run.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.errors import ExitCode
from tests.conftest import ROOT

HEAVY = frozenset(
    {
        "PIL", "numpy", "pydicom", "pdfplumber", "pdfminer", "pikepdf", "pypdfium2",
        "pytesseract", "pillow_heif", "rapidfuzz", "jinja2", "reportlab", "fhir", "lxml",
        "pypdf", "rich", "pebble", "distributed", "dask", "pandas",
    }
)  # fmt: skip

REPORT = (
    "import json, sys\n"
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[1])))\n"
    "print(json.dumps(heavy), file=sys.stderr)\n"
)


def heavy_loaded_by(code: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """The heavy packages a fresh Python has loaded after running `code` (then REPORT)."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), environment.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + REPORT, json.dumps(sorted(HEAVY)), *args],
        capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["intake.cli", "intake.api", "intake.extractors"])
def test_importing_loads_no_heavy_library(module):
    assert heavy_loaded_by(f"import {module}") == []


@pytest.mark.parametrize("command", [["--help"], ["scan", "--help"], ["checklists"]])
def test_commands_that_read_no_file_load_no_heavy_library(command):
    code = f"from intake.cli import main\nassert main({command!r}) == 0"
    assert heavy_loaded_by(code) == []


def test_the_registry_decides_who_reads_a_file_without_loading_its_reader(oncology):
    """accepts() and the cache key look at the sniffed type only: no parser is loaded."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from intake.extractors import extractor_key\n"
        "from intake.scan import scan\n"
        "keys = [extractor_key(s) for s in scan(Path(sys.argv[2])).sources]\n"
        "assert {'pdf', 'dicom', 'image'} <= {k[0] for k in keys if k}, keys\n"
    )
    assert heavy_loaded_by(code, str(oncology)) == []


def test_a_warm_rerun_of_an_unchanged_folder_loads_no_heavy_library(oncology, tmp_path):
    """The second `intake scan --json` is served by the run cache: nothing is parsed, so no
    parser is imported (the first run, which reads every file, needs them)."""
    env = {"INTAKE_CACHE": str(tmp_path / "cache.sqlite")}
    code = (
        "import contextlib, io, sys\n"
        "from intake.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['scan', sys.argv[2], '--json', '--appointment', '2026-11-25'])\n"
        f"assert code in ({ExitCode.OK}, {ExitCode.INCOMPLETE}) and out.getvalue(), code\n"
    )
    assert heavy_loaded_by(code, str(oncology), env=env) != []  # cold: every file is read
    assert heavy_loaded_by(code, str(oncology), env=env) == []


def test_a_heic_photo_becomes_a_packet_page_in_a_process_that_read_no_photo(tmp_path):
    """pillow-heif registers on first need: PACKET.PDF (written from cached results, with no
    extractor run in this process) registers it itself before opening a HEIC photo."""
    pytest.importorskip("pillow_heif")
    from tests.test_photos import make_photos

    photo = next(p for p in make_photos.PHOTOS if p.file == "brands.heic")
    make_photos.render(photo, tmp_path / "brands.heic", 1)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from intake.model import Document\n"
        "from intake.packet.pdf_pages import image_page\n"
        "from intake.scan import identify\n"
        "source = identify(Path(sys.argv[2]), 'brands.heic')\n"
        "assert source.media_type == 'image/heic', source.media_type\n"
        "assert image_page(source.path, Document.for_source(source)).startswith(b'%PDF-')\n"
    )
    assert "PIL" in heavy_loaded_by(code, str(tmp_path / "brands.heic"))


def test_a_cold_read_loads_its_readers_once_in_the_parent_for_the_workers(tmp_path):
    """Before the pool forks, the parent imports what the files' extractors need (pydicom
    for a DICOM file), so workers inherit it instead of importing it each (a DICOM unit of
    the real-world corpus: 0.75 s -> 0.31 s); nothing else is loaded."""
    from pydicom.data import get_testdata_file

    folder = tmp_path / "disc"
    folder.mkdir()
    (folder / "IM0001").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes())
    code = (
        "import sys\nfrom intake import api\nfrom intake.runtime import Runtime\n"
        "api.scan_folder(sys.argv[2], runtime=Runtime())"
    )
    loaded = heavy_loaded_by(code, str(folder))
    assert "pydicom" in loaded
    assert not {"pdfplumber", "pypdfium2", "pikepdf"} & set(loaded)  # no PDF was read
