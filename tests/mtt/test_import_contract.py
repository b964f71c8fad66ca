"""The import contract in pyproject.toml (docs/architecture.md, "Layers"): the apps import downwards
only, and an import that goes up — a new cycle between two apps — breaks it."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
ROOT_PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def contract_text() -> str:
    """The ``[tool.importlinter]`` tables of pyproject.toml, as they stand."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.importlinter]")
    rest = text[start:]
    end = re.search(r"^\[(?!\[?tool\.importlinter)", rest[1:], re.MULTILINE)
    return rest if end is None else rest[: end.start() + 1]


def lint(config: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the venv's own lint-imports, our own files
        [str(LINT_IMPORTS), "--no-cache", str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_apps_keep_the_contract(tmp_path):
    """With no import ignored: no two apps import each other (docs/architecture.md)."""
    text = contract_text()
    assert "ignore_imports" not in text
    config = tmp_path / "pyproject.toml"
    config.write_text(text)

    result = lint(config)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps import downwards only KEPT" in result.stdout


def test_an_upward_import_breaks_the_contract_and_is_named(tmp_path):
    """patients importing questionnaires while questionnaires imports patients: the cycle the
    contract forbids, with no import ignored. The check runs on a copy of the project where
    patients has one module more, which imports questionnaires."""
    for package in ROOT_PACKAGES:
        if package != "patients":
            (tmp_path / package).symlink_to(ROOT / package, target_is_directory=True)
    shutil.copytree(
        ROOT / "patients", tmp_path / "patients", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "patients" / "upward_probe.py").write_text(
        "from questionnaires.selectors import responses_for_patient  # noqa: F401\n"
    )
    config = tmp_path / "pyproject.toml"
    config.write_text(contract_text())

    result = lint(config, cwd=tmp_path)

    assert result.returncode != 0
    assert "Apps import downwards only BROKEN" in result.stdout
    assert "patients is not allowed to import questionnaires" in result.stdout
    assert "patients.upward_probe -> questionnaires.selectors" in result.stdout


def test_the_api_plumbing_imports_no_app_above_it(tmp_path):
    """api/ is shared plumbing: moving it above an app (as if it imported one) breaks the
    contract, because the apps' endpoints import it."""
    text = contract_text()
    bottom, top = '    "audit",\n    "api",\n', '    "mtt",\n    "accounts.urls'
    assert bottom in text and top in text
    config = tmp_path / "pyproject.toml"
    config.write_text(
        text.replace(bottom, '    "audit",\n').replace(
            top, '    "mtt",\n    "api",\n    "accounts.urls'
        )
    )

    result = lint(config)

    assert result.returncode != 0
    assert "is not allowed to import api" in result.stdout
