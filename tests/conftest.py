"""Shared fixtures: every test session gets its own cache/state dir, never the user's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SOURCE = DATA / "source" / "kommunstyrelsen-budget-2025-2027.txt"


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ksquery-home")
    old = {k: os.environ.get(k) for k in ("KSQUERY_HOME", "KSQUERY_DATA", "KSQUERY_QUERIES")}
    os.environ["KSQUERY_HOME"] = str(home)
    os.environ.pop("KSQUERY_DATA", None)
    os.environ.pop("KSQUERY_QUERIES", None)
    yield home
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def catalog():
    """The shipped data set, loaded once per session (read-only)."""
    from ksquery.catalog import open_catalog

    return open_catalog(DATA)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of the shipped data directory that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target
