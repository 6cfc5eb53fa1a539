"""Shared fixtures: the generated sample folders and their manifests (built once a session)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from intake import api

ROOT = Path(__file__).resolve().parent.parent
APPOINTMENT = date(2026, 11, 25)  # fixed, so recency checks do not change as years pass


def _load_samples_module():
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "samples" / "make_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module  # dataclasses look their module up
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


make_samples = _load_samples_module()
os.environ["INTAKE_CACHE"] = "off"  # tests never write the user's cache; cache tests pass their own


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """The generated sample folders (read-only by convention: copy before changing)."""
    root = tmp_path_factory.mktemp("samples")
    make_samples.build(root)
    return root


@pytest.fixture(scope="session")
def oncology(samples) -> Path:
    return samples / make_samples.ONCOLOGY.folder


@pytest.fixture(scope="session")
def neurology(samples) -> Path:
    return samples / make_samples.NEUROLOGY.folder


@pytest.fixture(scope="session")
def oncology_manifest(oncology):
    return api.scan_folder(oncology, api.Options(appointment=APPOINTMENT))


@pytest.fixture(scope="session")
def neurology_manifest(neurology):
    return api.scan_folder(neurology, api.Options(appointment=APPOINTMENT))


@pytest.fixture
def copy_of(tmp_path):
    """Copy a sample folder into this test's tmp folder, to change it freely."""

    def copy(folder: Path) -> Path:
        target = tmp_path / folder.name
        shutil.copytree(folder, target, symlinks=True)
        return target

    return copy


def tree_state(folder: Path) -> dict[str, tuple[str, int]]:
    """SHA-256 and mtime of every file below `folder`, to prove nothing was changed."""
    state = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[str(path.relative_to(folder))] = (digest, path.stat().st_mtime_ns)
    return state


def by_kind(manifest, kind: str):
    return [d for d in manifest.documents if d.kind == kind]


def packet_index(out: Path) -> dict[str, dict]:
    """The packet's own index (EXTRA/packet-index.json): document id -> files, readable
    page, previews and notes."""
    return json.loads((out / "EXTRA" / "packet-index.json").read_text(encoding="utf-8"))[
        "documents"
    ]


def packet_files(out: Path, document) -> list[str]:
    """Where the packet at `out` holds `document`'s copies."""
    return packet_index(out).get(document.id, {}).get("files", [])


def load_generator(path: Path):
    """A committed generator script (tests/hostile/, tests/faults/) loaded as a module."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module
