"""A regular (non-editable) install works: build the wheel, install it into a fresh virtual
environment outside the repository, and run the installed `ksquery` from another directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def build_wheel(target: Path) -> Path:
    """Build the wheel from a clean copy of the sources (setuptools would leave build/ in the
    repository and reuse whatever stale files it holds)."""
    source = target / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(target)],
        check=True,
        capture_output=True,
        cwd=target,
        timeout=300,
    )
    (wheel,) = target.glob("ksquery-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ directory of a fresh venv holding only the built wheel (dependencies are taken
    from this interpreter's site-packages through a .pth file, so nothing is downloaded)."""
    base = tmp_path_factory.mktemp("pkg")
    wheel = build_wheel(base)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The dependencies (duckdb, sqlglot …) from this interpreter; .pth files in that directory
    # are not processed, so the repository's editable ksquery is not seen.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        capture_output=True,
        cwd=base,
        timeout=300,
    )
    return env_dir / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSQUERY_")}
    env["KSQUERY_HOME"] = str(cwd / "home")
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(bin_dir / "ksquery"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_wheel_ships_the_sample_data_and_named_questions(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            assert "ksquery_data/" + path.relative_to(ROOT / "data").as_posix() in names
    for path in (ROOT / "queries").glob("*.sql"):
        assert f"ksquery_queries/{path.name}" in names


def test_installed_command_answers_from_another_directory(installed, tmp_path):
    located = subprocess.run(
        [str(installed / "python"), "-c", "import ksquery; print(ksquery.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(ROOT) not in located.stdout and "site-packages" in located.stdout
    answer = _run(installed, tmp_path, "ask", "investeringar_per_ar", "--format", "csv")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[0].startswith("år,")
    assert len(answer.stdout.splitlines()) > 3
    check = _run(installed, tmp_path, "check", "--format", "csv")
    assert check.returncode == 1, check.stderr  # the shipped document disagrees with itself
    assert "summa" in check.stdout
    version = _run(installed, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("ksquery ")
    listed = _run(installed, tmp_path, "questions")
    assert "investeringar_per_ar" in listed.stdout


def test_installed_command_takes_another_data_directory(installed, tmp_path):
    import gen_next_year

    data = gen_next_year.key_figures(tmp_path / "figures")
    result = _run(
        installed, tmp_path, "--data", str(data), "sql", "SELECT count(*) AS n FROM nyckeltal"
    )
    assert result.returncode == 0, result.stderr
    assert "6" in result.stdout
