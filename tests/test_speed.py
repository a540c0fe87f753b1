"""Start-up speed work must not change what is opened or how: the database opened ahead at
start-up (catalog.EarlyOpen) is used only for the very file and settings open_catalog would
open itself, with the same lock-down."""

from __future__ import annotations

import threading

import pytest

from ksquery import cache, catalog
from ksquery.catalog import EarlyOpen, open_catalog


def _record_key(data_dir) -> str:
    return catalog._opened_key(catalog.resolve_data_dir(data_dir))


def _locked_down(con) -> None:
    row = con.execute(
        "SELECT current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchone()
    assert row == (True, False)


def _connects(monkeypatch) -> list[str]:
    """The names of the threads that call catalog._connect_locked from now on."""
    seen: list[str] = []
    original = catalog._connect_locked

    def spy(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog, "_connect_locked", spy)
    return seen


def test_the_database_opened_ahead_is_used_when_it_is_the_same(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()  # leaves the record behind
    assert cache.load(_record_key(data_copy))
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, EarlyOpen(data_copy))
    try:
        assert seen == ["ksquery-open"]  # opened ahead only, not a second time
        _locked_down(cat.con)
        assert cat.con.execute("SELECT count(*) FROM risker").fetchone()[0] > 0
    finally:
        cat.close()


def test_a_database_opened_ahead_for_older_data_is_never_used(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()
    csv = data_copy / "risker.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]), encoding="utf-8")  # one risk fewer
    early = EarlyOpen(data_copy)  # opens the file of the old data
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, early)
    try:
        assert "MainThread" in seen  # the new data's own file was opened
        rows = cat.con.execute("SELECT count(*) FROM risker").fetchone()[0]
        assert rows == len(lines) - 2  # header and the removed line
        _locked_down(cat.con)
    finally:
        cat.close()
    assert cache.load(_record_key(data_copy))["db"] == cat.db_path.name.removesuffix(".duckdb")


def test_other_settings_opened_ahead_are_never_used(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()
    key = _record_key(data_copy)
    record = cache.load(key)
    record["settings"][1] = "1GB"  # not what the dictionary says
    cache.store(key, record)
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, EarlyOpen(data_copy))
    try:
        assert seen.count("MainThread") == 1
        limit = cat.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit.startswith("1.8")  # 2GB, as the dictionary says (DuckDB shows GiB)
        _locked_down(cat.con)
    finally:
        cat.close()


@pytest.mark.parametrize(
    "record",
    [
        "garbage",
        {"db": "data-x"},
        {"db": "../elsewhere", "settings": ["sv", "2GB", "/"]},
        {"db": "data-0", "settings": ["sv'; SET enable_external_access = true; --", "2GB", "/"]},
        {"db": "data-0", "settings": ["sv", "2GB; DROP", "/"]},
    ],
)
def test_a_damaged_record_opens_nothing_ahead(data_copy, record):
    cache.store(_record_key(data_copy), record)
    early = EarlyOpen(data_copy)
    assert early._want is None  # no thread was started
    cat = open_catalog(data_copy, early)
    try:
        _locked_down(cat.con)
    finally:
        cat.close()


def test_duckdb_is_its_cpp_extension_with_everything_ksquery_uses():
    import duckdb

    module = catalog.duckdb_module()
    assert module.__version__ == duckdb.__version__  # the compiled files' fingerprint uses it
    for name in catalog._DUCKDB_NAMES[1:]:
        assert getattr(module, name) is getattr(duckdb, name)  # the very objects duckdb exports


def test_duckdb_falls_back_to_the_package_when_the_extension_lacks_something(monkeypatch):
    import sys
    import types

    import duckdb

    monkeypatch.setitem(sys.modules, "_duckdb", types.ModuleType("_duckdb"))
    assert catalog.duckdb_module() is duckdb


def test_one_shot_answers_without_duckdbs_python_layer():
    import subprocess
    import sys

    from conftest import ROOT

    code = (
        "import sys; from ksquery import cli; "
        "cli.main(['ask','investeringar_per_ar','--format','csv']);"
        "cli.main(['sql','SELECT count(*) AS n FROM risker','--format','csv']);"
        "print('RELATION', 'duckdb._relation' in sys.modules)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "RELATION False" in p.stdout and "n\n33" in p.stdout, p.stdout + p.stderr
