"""An unchanged re-run of `intake scan FOLDER --json` answered before the stages load
(intake/warm.py): the same bytes and exit code, a miss on any change, owner-only storage."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from intake import warm


def run(folder, env, *extra):
    command = [sys.executable, "-m", "intake", "scan", str(folder), "--json", "--silent", *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "INTAKE_CACHE": str(tmp_path / "cache" / "c.sqlite")}


@pytest.fixture
def folder(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "meds.txt").write_text("MEDICATION LIST\nMetformin 500 mg twice daily\n")
    (records / "visit.txt").write_text("VISIT SUMMARY\nPatient: Ann Example\nPlan: follow up\n")
    return records


def test_an_unchanged_rerun_prints_the_same_bytes_and_code(folder, env, tmp_path):
    first = run(folder, env)
    store = tmp_path / "cache" / "c.sqlite-runs"
    kept = list(store.glob("*.out"))
    assert len(kept) == 1
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    second = run(folder, env)
    assert (second.stdout, second.returncode) == (first.stdout, first.returncode)
    assert json.loads(second.stdout)["schema"] == "intake.manifest/1"
    # the answer really came from the store: a doctored one is what the re-run prints
    code = kept[0].read_bytes().split(b"\n", 1)[0]
    kept[0].write_bytes(code + b'\n{"doctored": true}\n')
    assert run(folder, env).stdout == '{"doctored": true}\n'


def test_any_change_misses(folder, env):
    first = run(folder, env)
    (folder / "labs.txt").write_text("LABORATORY REPORT\nHemoglobin 13.2 g/dL 12.0-15.5\n")
    second = run(folder, env)
    assert (
        len(json.loads(second.stdout)["documents"])
        == len(json.loads(first.stdout)["documents"]) + 1
    )
    (folder / "labs.txt").write_text("LABORATORY REPORT\nHemoglobin 11.2 g/dL 12.0-15.5\n")
    third = run(folder, env)
    values = [lab["value"] for d in json.loads(third.stdout)["documents"] for lab in d["labs"]]
    assert "11.2" in values and "13.2" not in values


def test_other_options_and_no_cache_take_the_full_path(folder, env, tmp_path):
    run(folder, env, "--no-cache")
    assert not (tmp_path / "cache" / "c.sqlite-runs").exists()
    run(folder, env, "--checklist", "default")
    assert not (tmp_path / "cache" / "c.sqlite-runs").exists()
    assert warm.request(["scan", str(folder), "--json", "--appointment", "2026-01-02"]) is None
    assert warm.request(["scan", str(folder)]) is None  # the summary is for a terminal
    assert warm.request(["packet", str(folder), "--json"]) is None
    assert warm.request(["scan", str(folder), "--json", "--silent"]) == (
        str(folder),
        ("--json", "--silent"),
    )


def test_cache_clear_forgets_the_answers(folder, env, tmp_path):
    run(folder, env)
    assert list((tmp_path / "cache" / "c.sqlite-runs").glob("*.out"))
    cleared = subprocess.run([sys.executable, "-m", "intake", "cache", "clear"], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert "Removed" in cleared.stdout
    assert not list((tmp_path / "cache" / "c.sqlite-runs").glob("*.out"))


def _pieces(count: int, fault: OSError | None = None):
    for number in range(count):
        yield f"piece {number}\n"
    if fault is not None:
        raise fault


def test_a_fault_printing_the_answer_ends_the_run_and_keeps_nothing(folder, tmp_path, monkeypatch):
    """The manifest is printed a piece at a time while its copy is written: a full disk
    under the redirected output (or a closed pipe) is the run's error, never swallowed with
    the copy's, and no half answer is kept for the next run."""
    import errno

    monkeypatch.setenv("INTAKE_CACHE", str(tmp_path / "cache" / "c.sqlite"))
    store = tmp_path / "cache" / "c.sqlite-runs"
    full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OSError, match="No space left"):
        warm.remember(folder, ("--json",), _pieces(3, full), 0)
    assert not any(store.iterdir())  # neither an answer nor a temporary part
    taken = []
    warm.remember(folder, ("--json",), (taken.append(p) or p for p in _pieces(3)), 0)
    assert len(taken) == 3 and len(list(store.glob("*.out"))) == 1


def test_a_fault_keeping_the_answer_never_stops_the_printing(folder, tmp_path, monkeypatch):
    """A store that cannot be written (here: a file where its folder should be) keeps
    nothing, and every piece is still printed."""
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "c.sqlite-runs").write_text("not a folder")
    monkeypatch.setenv("INTAKE_CACHE", str(tmp_path / "cache" / "c.sqlite"))
    taken = []
    warm.remember(folder, ("--json",), (taken.append(p) or p for p in _pieces(5)), 0)
    assert len(taken) == 5


def test_a_manifest_that_cannot_be_printed_is_a_cannot_write_error(folder, env):
    """`intake scan --json > /dev/full`: the documented exit code and one line, with the
    cache on or off."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    for extra in ((), ("--no-cache",)):
        command = [sys.executable, "-m", "intake", "scan", str(folder), "--json", "-s", *extra]
        with open("/dev/full", "w") as full:
            result = subprocess.run(command, env=env, stdout=full, stderr=subprocess.PIPE,
                                    text=True, check=False)  # fmt: skip
        assert result.returncode == 6, result.stderr
        assert "cannot write the manifest to standard output: no space left" in result.stderr


def test_a_ctrl_c_while_intake_loads_is_one_line_and_exit_130():
    """Ctrl-C in the first tenth of a second (the warm path, imports) printed Python's
    KeyboardInterrupt traceback, and handled, still ended the process killed by SIGINT at
    times (found by stopping runs at random moments): one line, and exit 130."""
    import subprocess
    import sys

    code = (
        "from intake import warm\n"
        "def interrupted(argv):\n"
        "    raise KeyboardInterrupt\n"
        "warm.answer = interrupted\n"
        "warm.main()\n"
        "print('not reached')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 130
    assert result.stderr == "intake: stopped (Ctrl-C): nothing written\n"
    assert result.stdout == ""


def test_a_sigterm_while_intake_loads_is_one_line_and_exit_143():
    """SIGTERM in the first tenth of a second (the warm path, imports), before the CLI's own
    handler: the process died of the signal with no word. Handled as Ctrl-C is: one line,
    and exit 143."""
    import subprocess
    import sys

    code = (
        "import os, signal, time\n"
        "from intake import warm\n"
        "def terminated(argv):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "warm.answer = terminated\n"
        "warm.main()\n"
        "print('not reached')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 143, result
    assert result.stderr == "intake: stopped (SIGTERM): nothing written\n"
    assert result.stdout == ""


def test_after_a_remembered_answer_sigterm_is_as_it_was():
    """The warm path's own SIGTERM handler is only for loading: once it has answered, the
    handler found is back (a SIGTERM then is the caller's, as without intake)."""
    import signal

    from intake import warm

    before = signal.getsignal(signal.SIGTERM)
    saved = warm.answer
    warm.answer = lambda argv: 0
    try:
        assert warm.main() == 0
    finally:
        warm.answer = saved
    assert signal.getsignal(signal.SIGTERM) is before
