"""The command line through Click's CliRunner: output, exit codes, help, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import jsonschema
import pytest
from click.testing import CliRunner

from intake import __version__
from intake.cli import cli
from intake.errors import ExitCode
from intake.model import manifest_schema


@pytest.fixture
def runner():
    return CliRunner()


def test_scan_json_is_a_valid_manifest(runner, oncology):
    result = runner.invoke(cli, ["scan", str(oncology), "--json", "--appointment", "2026-11-25"])
    assert result.exit_code == ExitCode.OK, result.output
    manifest = json.loads(result.stdout)
    jsonschema.validate(manifest, manifest_schema())
    assert manifest["schema"] == "intake.manifest/1"
    assert manifest["patient"]["name"] == "Marguerite A Testwell"
    assert manifest["patient"]["birth_date"] == "1961-03-14"
    assert manifest["skipped_junk"] == 1
    assert all("text" not in d for d in manifest["documents"])
    sources = {d["source"] for d in manifest["documents"]}
    assert "Breast imaging CD/PT000000/ST000000" in sources  # the study, not its files


def test_scan_json_with_text(runner, oncology):
    result = runner.invoke(cli, ["scan", str(oncology), "--json", "--with-text"])
    manifest = json.loads(result.stdout)
    jsonschema.validate(manifest, manifest_schema())
    questions = next(d for d in manifest["documents"] if d["kind"] == "questions")
    assert "genetic testing" in questions["text"]


def test_scan_summary_and_incomplete_exit_code(runner, neurology):
    result = runner.invoke(cli, ["scan", str(neurology)])
    assert result.exit_code == ExitCode.INCOMPLETE
    assert "Harold Q Sampleton" in result.stdout
    assert "missing" in result.stdout
    assert "has no report" in result.stdout


def test_scan_of_a_missing_folder(runner, tmp_path):
    result = runner.invoke(cli, ["scan", str(tmp_path / "nope")])
    assert result.exit_code == ExitCode.INPUT_UNREADABLE
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(runner, oncology):
    assert runner.invoke(cli, ["scan"]).exit_code == ExitCode.USAGE
    result = runner.invoke(cli, ["scan", str(oncology), "--with-text"])
    assert result.exit_code == ExitCode.USAGE
    result = runner.invoke(cli, ["scan", str(oncology), "--checklist", "astrology"])
    assert result.exit_code == ExitCode.USAGE
    assert "no checklist named 'astrology'" in result.stderr


def test_checklists_command(runner):
    result = runner.invoke(cli, ["checklists"])
    assert result.exit_code == 0
    assert result.stdout.startswith("default\t")
    assert "  questions\t" in result.stdout


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    """The group itself and every command under it (subgroups walked too), by their path."""
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def test_the_walk_reaches_every_command_and_subcommand():
    paths = [path for path, _ in commands(cli)]
    assert paths[0] == () and len(paths) == len(set(paths))
    assert {(name,) for name in cli.commands} <= set(paths)
    assert {("cache", "info"), ("cache", "clear")} <= set(paths)  # a subgroup's commands too


@pytest.mark.parametrize(
    ("path", "command"),
    [pytest.param(path, command, id=" ".join(path) or "intake") for path, command in commands(cli)],
)
def test_every_command_has_help_with_an_example(runner, path, command):
    result = runner.invoke(cli, [*path, "--help"], prog_name="intake")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(" ".join(["Usage: intake", *path, "[OPTIONS]"]))
    if not isinstance(command, click.Group):
        assert "Example:" in result.stdout


def test_unexpected_errors_show_no_traceback_unless_debug(runner, tmp_path, monkeypatch):
    from intake import api

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(api, "scan_folder", broken)
    result = runner.invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == ExitCode.ERROR
    assert "unexpected ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["--debug", "scan", str(tmp_path)])
    assert isinstance(result.exception, ZeroDivisionError)


def test_python_dash_m_and_version(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "intake", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert __version__ in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "intake", "scan", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == ExitCode.INPUT_UNREADABLE
    assert done.stderr.startswith("Error:")
