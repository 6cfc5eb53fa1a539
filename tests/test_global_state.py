"""No global state (issue 18, point 5): nothing is written outside the cache and the output,
importing intake changes no environment or library setting, and the drug dictionary's copy
lives only where the caller says and is checked before it is trusted."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake import cache as cache_module
from intake.errors import ExitCode
from intake.packet import pdf_pages
from intake.understand import drugs
from tests.conftest import tree_state

ROOT = Path(__file__).resolve().parent.parent
MEDICATIONS = """Current Medication List
Patient: Jane Example   DOB: 03/14/1956

Medication            Dose     Directions
Glucophage            500 mg   1 tablet by mouth twice daily with meals
Lisinopril            10 mg    1 tablet by mouth once daily
"""


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _clean_env(tmp: Path) -> dict[str, str]:
    """This environment without HOME, its cache settings and thread limits; temporary files
    go to `tmp`, where they can be seen."""
    dropped = {"HOME", "XDG_CACHE_HOME", "INTAKE_CACHE", "OMP_THREAD_LIMIT", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PYTHONPATH"] = str(ROOT)
    env["TMPDIR"] = str(tmp)
    return env


def test_importing_intake_changes_no_environment_or_reportlab_setting(tmp_path):
    code = (
        "import os\n"
        "before = dict(os.environ)\n"
        "from reportlab import rl_config\n"
        "invariant = rl_config.invariant\n"
        "import intake.cli, intake.ocr, intake.packet.pdf_pages, intake.understand.drugs\n"
        "added = sorted(set(os.environ) ^ set(before))\n"
        "assert dict(os.environ) == before, added\n"
        "assert rl_config.invariant == invariant, rl_config.invariant\n"
        "print('unchanged')\n"
    )
    done = _python(code, _clean_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "unchanged"


def test_ocr_leaves_the_environment_alone(monkeypatch):
    from PIL import Image, ImageDraw

    from intake import ocr

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((10, 40), "Hemoglobin 13.2 g/dL", fill=0)
    before = dict(os.environ)
    ocr.read_image(image)
    assert dict(os.environ) == before
    assert ocr.process_env()["OMP_THREAD_LIMIT"] == "1"


def test_packet_pages_are_byte_reproducible_without_a_global_setting(monkeypatch):
    from reportlab import rl_config

    # the sample generators the tests import set reportlab's global: put its default back
    monkeypatch.setattr(rl_config, "invariant", 0)
    pages = [pdf_pages.p("Checklist"), pdf_pages.p("Hemoglobin 13.2 g/dL")]
    first = pdf_pages.render(list(pages), title="Reproducible")
    second = pdf_pages.render(list(pages), title="Reproducible")
    assert first == second
    assert b"D:20000101000000" in first  # reportlab's invariant date, not today's
    assert rl_config.invariant == 0


def test_default_cache_path_without_home_is_none_with_the_reason(monkeypatch):
    for name in ("HOME", "XDG_CACHE_HOME", "INTAKE_CACHE"):
        monkeypatch.delenv(name, raising=False)
    if os.name != "nt":
        assert cache_module.default_path() is None
        assert cache_module.no_default_reason() == "HOME is not set"
        assert cache_module.open_cache() is None
    monkeypatch.setenv("HOME", "/home/someone")
    if os.name != "nt" and sys.platform != "darwin":
        assert cache_module.default_path() == Path(
            "/home/someone/.cache/intake/extraction-cache.sqlite"
        )
        assert cache_module.no_default_reason() is None
    monkeypatch.setenv("INTAKE_CACHE", "off")
    assert cache_module.default_path() is None
    assert cache_module.no_default_reason() == "INTAKE_CACHE=off"


def test_service_account_without_home_scans_medications_and_writes_nothing(tmp_path):
    """HOME unset and no account entry to fall back on (pwd's lookup fails, as for a service
    account whose uid has none): the run reads the medication list, exits as any incomplete
    run does, and leaves no file behind: not in the working folder, not in TMPDIR, not in
    the records."""
    records, work, temp = tmp_path / "records", tmp_path / "work", tmp_path / "temp"
    for folder in (records, work, temp):
        folder.mkdir()
    (records / "medications.txt").write_text(MEDICATIONS, encoding="utf-8")
    before = tree_state(records)
    code = (
        "import pwd, sys\n"
        "def nobody(uid):\n"
        "    raise KeyError(uid)\n"
        "pwd.getpwuid = nobody\n"
        "import pathlib\n"
        "try:\n"
        "    pathlib.Path.home()\n"
        "except RuntimeError:\n"
        "    pass\n"
        "else:\n"
        "    sys.exit('a home folder was still found')\n"
        "from intake.cli import main\n"
        f"sys.exit(main(['scan', {str(records)!r}, '--no-cache', '--json', '-s']))\n"
    )
    done = _python(code, _clean_env(temp), work)
    assert done.returncode == ExitCode.INCOMPLETE, done.stderr  # items missing, nothing failed
    assert "home directory" not in done.stderr
    manifest = json.loads(done.stdout)
    (document,) = manifest["documents"]
    assert document["kind"] == "medication_list"
    assert {m["name"]: m["generic"] for m in document["medications"]} == {
        "Glucophage": "Metformin",
        "Lisinopril": "Lisinopril",
    }
    assert list(work.iterdir()) == []
    assert list(temp.iterdir()) == []
    assert tree_state(records) == before


def test_no_cache_is_said_once_when_home_is_not_set(tmp_path):
    records, temp = tmp_path / "records", tmp_path / "temp"
    records.mkdir()
    temp.mkdir()
    (records / "medications.txt").write_text(MEDICATIONS, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "intake", "scan", str(records), "-s"],
        env=_clean_env(temp),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == ExitCode.INCOMPLETE, done.stderr
    assert done.stderr.count("no cache: HOME is not set; use --cache PATH") == 1
    assert list(temp.iterdir()) == []


# --- the drug dictionary's copy -----------------------------------------------------------


def _copy(folder: Path) -> Path:
    (path,) = folder.glob("drug-names-*.json")
    return path


def test_no_copy_is_written_unless_a_folder_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("INTAKE_CACHE", raising=False)
    drugs._load.cache_clear()
    assert drugs.normalise("Glucophage").generic == "Metformin"
    assert list(tmp_path.iterdir()) == []


def test_the_copy_is_private_and_used_when_intact(tmp_path):
    folder = tmp_path / "cache"
    drugs._load.cache_clear()
    with drugs.names_copy(folder):
        assert drugs.normalise("Glucophage").generic == "Metformin"
    copy = _copy(folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert copy.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in folder.iterdir()] == [copy.name]  # no temporary file left
    envelope = json.loads(copy.read_bytes().partition(b"\n")[0])
    assert envelope["package_version"] == drugs._package_data().version
    # an intact copy is what the next process reads: a name only the copy knows proves it
    names = json.loads(copy.read_bytes().partition(b"\n")[2])
    names["intakeonlyname"] = "Copied"
    _rewrite(copy, names)
    drugs._load.cache_clear()
    with drugs.names_copy(folder):
        assert drugs.normalise("intakeonlyname").generic == "Copied"
    drugs._load.cache_clear()


def _rewrite(copy: Path, names: dict[str, str]) -> None:
    """Rewrite the copy's names with a matching digest (as intake itself would)."""
    header, _, _ = copy.read_bytes().partition(b"\n")
    envelope = json.loads(header)
    payload = json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode()
    envelope["sha256"] = hashlib.sha256(payload).hexdigest()
    copy.write_bytes(json.dumps(envelope).encode() + b"\n" + payload)


@pytest.mark.parametrize("damage", ["edited", "truncated", "other-source", "group-writable"])
def test_a_tampered_copy_is_not_used_and_is_rewritten(tmp_path, damage):
    folder = tmp_path / "cache"
    drugs._load.cache_clear()
    with drugs.names_copy(folder):
        drugs.normalise("Metformin")
    copy = _copy(folder)
    raw = copy.read_bytes()
    if damage == "edited":  # Metformin becomes Warfarin; the digest no longer matches
        copy.write_bytes(raw.replace(b'"metformin":"Metformin"', b'"metformin":"Warfarin"'))
    elif damage == "truncated":
        copy.write_bytes(raw[: len(raw) // 2])
    elif damage == "other-source":  # digest fine, made from another data file
        header, _, payload = raw.partition(b"\n")
        envelope = json.loads(header)
        envelope["source_sha256"] = "0" * 64
        payload = payload.replace(b'"metformin":"Metformin"', b'"metformin":"Warfarin"')
        envelope["sha256"] = hashlib.sha256(payload).hexdigest()
        copy.write_bytes(json.dumps(envelope).encode() + b"\n" + payload)
    else:  # anyone in the group could have changed it
        names = json.loads(raw.partition(b"\n")[2])
        names["metformin"] = "Warfarin"
        _rewrite(copy, names)
        os.chmod(copy, 0o660)
    assert copy.read_bytes() != raw
    drugs._load.cache_clear()
    with drugs.names_copy(folder):
        assert drugs.normalise("Metformin").generic == "Metformin"
    assert _copy(folder).read_bytes() == raw  # rewritten from the package data
    assert _copy(folder).stat().st_mode & 0o777 == 0o600
    drugs._load.cache_clear()


def test_the_runtime_carries_the_ocr_environment_to_tesseract():
    """The OCR environment is the Runtime's, scoped to the work it runs: nothing in
    os.environ, and a Runtime's own settings reach Tesseract's process environment."""
    import os

    from intake import ocr
    from intake.runtime import Runtime

    before = dict(os.environ)
    runtime = Runtime(ocr_env={"OMP_THREAD_LIMIT": "3", "TESSDATA_TEST_MARK": "x"})
    with runtime.settings():
        inside = ocr.process_env()
    assert inside["TESSDATA_TEST_MARK"] == "x"
    assert inside["OMP_THREAD_LIMIT"] == os.environ.get("OMP_THREAD_LIMIT", "3")
    assert "TESSDATA_TEST_MARK" not in ocr.process_env() and dict(os.environ) == before
    reader = runtime.reader()
    assert dict(reader.ocr_env)["TESSDATA_TEST_MARK"] == "x"  # travels to workers
