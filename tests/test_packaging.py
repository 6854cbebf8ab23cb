"""The distribution: an sdist, a wheel built from that sdist, and a clean install of the wheel.

The wheel must ship the real package layout (``adapters/``, ``rules/`` and ``schemas/`` are
mapped under ``lyncpolicy.``), its data files, and nothing else: no top-level ``adapters``
package, no tests, and none of the GPL-3.0 corpus files kept in ``tests/data/corpus`` (see
``tests/data/corpus/PROVENANCE.md``). The installed wheel must work from a fresh venv in a
folder outside the checkout, with its runtime dependencies pulled from the package index.

The source tree is copied to a temporary folder first, so building never writes into the
checkout (``*.egg-info``, ``build/``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import lyncpolicy

REPO = Path(__file__).resolve().parents[1]
CORKSCREW_CONFIG = (
    REPO / "tests/data/corpus/f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config"
)
EXAMPLES_CLEAN = REPO / "examples" / "clean"

REQUIRED_IN_WHEEL = {
    "lyncpolicy/__init__.py",
    "lyncpolicy/cli.py",
    "lyncpolicy/model.py",
    "lyncpolicy/adapters/__init__.py",
    "lyncpolicy/adapters/tmsh.py",
    "lyncpolicy/adapters/detect.py",
    "lyncpolicy/rules/__init__.py",
    "lyncpolicy/schemas/model.schema.json",
    "lyncpolicy/schemas/parse.schema.json",
    "lyncpolicy/data/tmos_profile_base.json",
    "lyncpolicy/py.typed",
}
GPL_MARKERS = ("F5Networks__f5-ansible", "mpenning__ciscoconfparse")
GPL_SUFFIXES = (".tmpl", ".scf", ".f5")
_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
)


@dataclass(frozen=True)
class Dists:
    source: Path  # the snapshot of the checkout the sdist was built from
    sdist: Path
    wheel: Path
    build_log: str


@dataclass(frozen=True)
class Venv:
    root: Path
    python: Path
    script: Path
    outside: Path  # a working folder outside the checkout


def _clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "LYNCPOLICY_DEBUG",
            "VIRTUAL_ENV",
            "PYTHONSAFEPATH",
        )
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean_env(),
        timeout=timeout,
        check=False,
    )


def _ensure_build_frontend() -> None:
    probe = _run([sys.executable, "-c", "import build"], cwd=REPO)
    if probe.returncode != 0:
        install = _run([sys.executable, "-m", "pip", "install", "build>=1.0"], cwd=REPO)
        assert install.returncode == 0, install.stdout + install.stderr


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """One sdist and one wheel per session: `python -m build` builds the wheel FROM the sdist."""
    _ensure_build_frontend()
    work = tmp_path_factory.mktemp("packaging")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=_IGNORED)
    outdir = work / "dist"
    # No --sdist/--wheel flags: build makes the sdist, unpacks it and builds the wheel from it
    # (passing both flags would build each one straight from the source tree instead).
    result = _run([sys.executable, "-m", "build", "--outdir", outdir, source], cwd=work)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    (sdist,) = outdir.glob("lyncpolicy-*.tar.gz")
    (wheel,) = outdir.glob("lyncpolicy-*.whl")
    assert "Building wheel from sdist" in log, log[-3000:]
    return Dists(source=source, sdist=sdist, wheel=wheel, build_log=log)


@pytest.fixture(scope="module")
def wheel_names(dists: Dists) -> list[str]:
    with zipfile.ZipFile(dists.wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def sdist_names(dists: Dists) -> list[str]:
    with tarfile.open(dists.sdist) as archive:
        return [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]


@pytest.fixture(scope="module")
def venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    root = tmp_path_factory.mktemp("venv") / "env"
    created = _run([sys.executable, "-m", "venv", root], cwd=root.parent)
    assert created.returncode == 0, created.stderr
    assert "include-system-site-packages = false" in (root / "pyvenv.cfg").read_text()
    bindir = root / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    outside = tmp_path_factory.mktemp("outside")
    assert REPO not in outside.resolve().parents
    install = _run([python, "-m", "pip", "install", "--no-input", dists.wheel], cwd=outside)
    assert install.returncode == 0, (install.stdout + install.stderr)[-5000:]
    yield Venv(root=root, python=python, script=bindir / "lyncpolicy", outside=outside)


# -- the sdist and the wheel ------------------------------------------------------------------


def test_wheel_is_built_from_the_sdist(
    dists: Dists, sdist_names: list[str], wheel_names: list[str]
) -> None:
    assert dists.wheel.name == f"lyncpolicy-{lyncpolicy.__version__}-py3-none-any.whl"
    assert dists.sdist.name == f"lyncpolicy-{lyncpolicy.__version__}.tar.gz"
    assert "pyproject.toml" in sdist_names and "PKG-INFO" in sdist_names
    # Every module the wheel ships comes from a file the sdist carries.
    mapped = {
        "lyncpolicy/adapters/": "adapters/",
        "lyncpolicy/rules/": "rules/",
        "lyncpolicy/schemas/": "schemas/",
    }
    for name in wheel_names:
        if ".dist-info/" in name:
            continue
        origin = name
        for prefix, folder in mapped.items():
            if name.startswith(prefix):
                origin = folder + name.removeprefix(prefix)
        assert origin in sdist_names, f"{name} is in the wheel but {origin} is not in the sdist"


def test_wheel_contains_the_package(wheel_names: list[str]) -> None:
    missing = sorted(REQUIRED_IN_WHEEL - set(wheel_names))
    assert missing == []


def test_wheel_ships_every_source_module(dists: Dists, wheel_names: list[str]) -> None:
    # Compared with the snapshot that was built, not the live checkout (which may change meanwhile).
    src = dists.source
    expected = {
        f"lyncpolicy/{p.relative_to(src / 'lyncpolicy').as_posix()}"
        for p in (src / "lyncpolicy").rglob("*.py")
    }
    for folder in ("adapters", "rules", "schemas"):
        expected |= {
            f"lyncpolicy/{folder}/{p.relative_to(src / folder).as_posix()}"
            for p in (src / folder).rglob("*.py")
        }
    expected |= {f"lyncpolicy/schemas/{p.name}" for p in (src / "schemas").glob("*.json")}
    expected |= {f"lyncpolicy/data/{p.name}" for p in (src / "lyncpolicy/data").glob("*.json")}
    expected |= {
        f"lyncpolicy/rules/{p.relative_to(src / 'rules').as_posix()}"
        for p in (src / "rules").rglob("*.yaml")
    }
    assert sorted(expected - set(wheel_names)) == []


def test_wheel_has_no_top_level_adapters_or_tests(wheel_names: list[str]) -> None:
    top_level = {name.split("/", 1)[0] for name in wheel_names}
    assert top_level == {"lyncpolicy", f"lyncpolicy-{lyncpolicy.__version__}.dist-info"}
    assert not [n for n in wheel_names if n.startswith("adapters/")]
    assert not [n for n in wheel_names if "tests/" in n or n.startswith("test")]
    assert not [n for n in wheel_names if "/data/corpus" in n or "conftest" in n]
    assert not [n for n in wheel_names if n.endswith((".pyc", ".orig", ".rej"))]


def test_wheel_top_level_metadata(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as archive:
        info = f"lyncpolicy-{lyncpolicy.__version__}.dist-info"
        top_level = archive.read(f"{info}/top_level.txt").decode().split()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
    assert top_level == ["lyncpolicy"]
    assert "lyncpolicy = lyncpolicy.cli:main" in entry_points
    for dependency in ("pyyaml", "jsonschema", "click", "pluggy", "tabulate"):
        assert re.search(rf"^Requires-Dist: {dependency}\b", metadata, re.M | re.I), dependency


def _gpl_files(names: list[str]) -> list[str]:
    return [
        n for n in names if any(marker in n for marker in GPL_MARKERS) or n.endswith(GPL_SUFFIXES)
    ]


def test_no_gpl_corpus_file_in_wheel(wheel_names: list[str]) -> None:
    assert _gpl_files(wheel_names) == []


def test_no_gpl_corpus_file_in_sdist(sdist_names: list[str]) -> None:
    assert _gpl_files(sdist_names) == []


def test_gpl_check_would_catch_corpus_files() -> None:
    """The GPL check is not vacuous: the corpus does hold such files."""
    corpus = [p.relative_to(REPO).as_posix() for p in (REPO / "tests/data/corpus").rglob("*")]
    assert len(_gpl_files(corpus)) >= 7


def test_packaged_schemas_are_the_repository_schemas(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as archive:
        for name in ("model.schema.json", "parse.schema.json"):
            shipped = json.loads(archive.read(f"lyncpolicy/schemas/{name}"))
            source = dists.source / "schemas" / name
            assert shipped == json.loads(source.read_text(encoding="utf-8"))


# -- a fresh install, used from outside the checkout -------------------------------------------


def test_installed_version(venv: Venv) -> None:
    result = _run([venv.script, "--version"], cwd=venv.outside)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"lyncpolicy, version {lyncpolicy.__version__}"


def test_installed_package_is_the_wheel_not_the_checkout(venv: Venv) -> None:
    code = (
        "import importlib.resources, lyncpolicy, lyncpolicy.adapters.tmsh as t; "
        "print(lyncpolicy.__file__); print(t.__file__); "
        "print(importlib.resources.files('lyncpolicy.schemas').joinpath('model.schema.json')"
        ".is_file())"
    )
    result = _run([venv.python, "-c", code], cwd=venv.outside)
    assert result.returncode == 0, result.stderr
    package_file, tmsh_file, has_schema = result.stdout.split()
    for path in (package_file, tmsh_file):
        assert Path(path).resolve().is_relative_to(venv.root.resolve()), path
    assert has_schema == "True"


def test_top_level_adapters_is_not_importable(venv: Venv) -> None:
    result = _run([venv.python, "-c", "import adapters"], cwd=venv.outside)
    assert result.returncode != 0
    assert "No module named 'adapters'" in result.stderr


def test_installed_scan(venv: Venv) -> None:
    source = EXAMPLES_CLEAN if EXAMPLES_CLEAN.is_dir() else CORKSCREW_CONFIG
    target = venv.outside / "scan-input"
    shutil.copytree(source, target)
    result = _run([venv.script, "scan", target], cwd=venv.outside)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert result.stdout.strip()
    combined = result.stdout + result.stderr
    assert "Traceback" not in combined
    assert "internal error" not in combined


def test_installed_model_json_matches_installed_schema(venv: Venv) -> None:
    target = venv.outside / "model-input"
    shutil.copytree(CORKSCREW_CONFIG, target)
    code = (
        "import json, subprocess, sys, importlib.resources as r\n"
        "from jsonschema import Draft202012Validator\n"
        "schema = json.loads(r.files('lyncpolicy.schemas').joinpath('model.schema.json')"
        ".read_text())\n"
        "out = subprocess.run([sys.executable, '-m', 'lyncpolicy', 'model', sys.argv[1],"
        " '--format', 'json'], capture_output=True, text=True, check=True).stdout\n"
        "errors = list(Draft202012Validator(schema).iter_errors(json.loads(out)))\n"
        "print(len(errors), errors[0].message if errors else '')\n"
    )
    result = _run([venv.python, "-c", code, target], cwd=venv.outside)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[0] == "0", result.stdout
