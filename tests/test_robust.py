"""Issue 10 §3–5: exit 3 only for real bugs, caches that heal themselves, exports that never
overwrite the data, nothing raw on a terminal, and load errors that name their place.

Exit codes are checked against the real entry point in subprocesses (as in test_cli.py)."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from ksquery import cache, output
from ksquery.catalog import open_catalog
from ksquery.engine import Result
from ksquery.errors import DataError

# Every character that can drive a terminal or turn text around.
DANGEROUS = {*map(chr, [*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0)])} | set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
HOSTILE = "\x1b[2J\x1b]0;TITLE\x07 \x9b31m \x9d0;x\x9c \u202egnp.exe \u2066a\u2069 \x7f"
COUNT_RISKS = ("sql", "SELECT count(*) AS n FROM risker", "--format", "json")


def ks(*args, stdin=None, home: Path | None = None, stdout=None):
    env = dict(os.environ)
    if home is not None:
        env["KSQUERY_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "ksquery", *args],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        input=stdin,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def raw_ok(p) -> None:
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["rows"] == [[33]]


def assert_refused(p, code: int = 2, *words: str) -> None:
    assert p.returncode == code, (p.returncode, p.stderr)
    assert "internt fel" not in p.stderr and "Traceback" not in p.stderr
    assert p.stderr.startswith("fel: "), p.stderr
    for word in words:
        assert word in p.stderr, (word, p.stderr)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- §3 exit 3 means a bug ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (("ask", "a" * 300), ()),
        (("ask", "ord " * 120), ()),
        (("ask", "å" * 200), ()),  # 400 bytes, 200 characters
        (("ask", "x/" * 200), ()),
        (("ask", "../" * 100 + "etc/passwd"), ()),
        (("--timeout", "inf", "tables"), ("tidsgräns",)),
        (("--timeout", "1e308", "tables"), ("tidsgräns",)),
        (("--timeout", "-1", "tables"), ("tidsgräns",)),
        (("--timeout", "0", "tables"), ("tidsgräns",)),
        (("--timeout", "nan", "tables"), ("tidsgräns",)),
        (("--timeout=-inf", "tables"), ("tidsgräns",)),
        (("--timeout", "3601", "tables"), ("tidsgräns",)),
        (("--timeout", "fem", "tables"), ("tidsgräns",)),
        (("sql", "SELECT 1 AS x", "--timeout", "1e999"), ("tidsgräns",)),
        (("ask", ""), ("tom",)),
        (("ask", "   "), ("tom",)),
        (("ask", "vilka risker finns", "--param", "foo=1"), ("foo",)),
        (("ask", "investeringar per år", "--param", "bar=x"), ("bar",)),
        (("ask", "investeringar_per_ar", "--param", "från=2029", "--param", "till=2024"), ()),
        (("run", "/dev/zero"), ("vanlig fil",)),
        (("run", "/dev/null"), ("vanlig fil",)),
        (("run", "/tmp"), ("vanlig fil",)),
    ],
)
def test_ordinary_input_is_never_an_internal_error(args, words):
    p = ks(*args)
    assert p.returncode in (1, 2), (p.returncode, p.stderr)
    assert_refused(p, p.returncode, *words)
    if words:  # a refusal of the input itself, not "no answer"
        assert p.returncode == 2


@pytest.mark.parametrize("value", ["2,5", "0.5", "0.1", "3600", " 7 "])
def test_timeout_in_range_is_accepted(value):
    p = ks("--timeout", value, "sql", "SELECT 1 AS x", "--format", "json")
    assert p.returncode == 0, p.stderr


def test_timeout_has_one_rule_for_cli_and_repl():
    from ksquery.cli import TIMEOUT_RANGE, parse_timeout
    from ksquery.errors import KsqueryError

    assert parse_timeout("2,5") == 2.5
    for bad in ("inf", "nan", "-1", "0", "1e308", str(TIMEOUT_RANGE[1] * 2)):
        with pytest.raises(KsqueryError, match="tidsgräns"):
            parse_timeout(bad)


def test_query_input_is_capped(tmp_path):
    from ksquery.cli import MAX_QUERY_BYTES

    p = ks("sql", "-", stdin="SELECT 1 AS x -- " + "x" * MAX_QUERY_BYTES)
    assert_refused(p, 2, "för lång")
    big = tmp_path / "big.sql"
    big.write_text("SELECT 1 AS x\n" + "-- x\n" * (MAX_QUERY_BYTES // 4), encoding="utf-8")
    assert_refused(ks("run", str(big)), 2, "för stor")
    fifo = tmp_path / "pipe.sql"
    os.mkfifo(fifo)
    assert_refused(ks("run", str(fifo)), 2, "vanlig fil")


# --- §3 the cache heals ---------------------------------------------------------------------


def _damage_garbage(p: Path) -> None:
    p.write_bytes(os.urandom(p.stat().st_size))


def _damage_half(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _damage_small(p: Path) -> None:
    p.write_bytes(p.read_bytes()[:1000])


def _damage_empty(p: Path) -> None:
    p.write_bytes(b"")


def _damage_tail(p: Path) -> None:  # header intact, the blocks after it garbage
    data = p.read_bytes()
    p.write_bytes(data[:8192] + os.urandom(len(data) - 8192))


def _damage_grown(p: Path) -> None:  # a file that is longer than the one that was built
    p.write_bytes(p.read_bytes() + b"\0" * 4096)


@pytest.mark.parametrize(
    "damage",
    [_damage_garbage, _damage_half, _damage_small, _damage_empty, _damage_tail, _damage_grown],
)
def test_damaged_compiled_database_is_rebuilt(tmp_path, damage):
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    (db,) = (tmp_path / "cache").glob("data-*.duckdb")
    damage(db)
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))  # and it stays healed
    assert len(list((tmp_path / "cache").glob("data-*.duckdb"))) == 1


@pytest.mark.parametrize(
    "content",
    [
        "[1,2]",
        "not json",
        "",
        '{"version": "1", "value": [1, 2]}',
        '{"version": "1", "value": {"tables": 5}}',
        '{"version": "1", "value": {}}',
        '{"version": "1", "value": {"tables": {"x": {"file": "x.csv"}}}}',
        '{"version": "0", "value": {}}',
    ],
)
def test_damaged_cache_values_are_recomputed(tmp_path, content):
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    assert ks("ask", "investeringar per år", home=tmp_path).returncode == 0
    assert ks("ask", "investeringar_per_ar", home=tmp_path).returncode == 0
    damaged = list((tmp_path / "cache").rglob("*.json"))
    assert len(damaged) >= 3  # the dictionary, the compiled file's record, the question index
    for path in damaged:
        path.write_text(content, encoding="utf-8")
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    assert ks("ask", "investeringar per år", home=tmp_path).returncode == 0


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_a_killed_compile_are_removed(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    pid = _dead_pid()
    leftovers = [
        folder / f"data-{'a' * 24}.duckdb.tmp{pid}",
        folder / f"data-{'a' * 24}.duckdb.tmp{pid}.wal",
        folder / f"data-{'b' * 24}.tmp{pid}",  # the older naming
        folder / f"data-{'b' * 24}.tmp{pid}.wal",
    ]
    for path in leftovers:
        path.write_bytes(os.urandom(5000))
    mine = folder / f"data-{'c' * 24}.duckdb.tmp{os.getpid()}"  # a live writer's file stays
    mine.write_bytes(b"x")
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    assert not any(p.exists() for p in leftovers)
    assert mine.exists()


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test_sigkill_during_the_first_compile_ends_in_a_correct_answer(tmp_path, delay):
    env = dict(os.environ, KSQUERY_HOME=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, "-m", "ksquery", *COUNT_RISKS],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        child.wait(delay)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))
    names = [p.name for p in (tmp_path / "cache").iterdir()]
    assert not [n for n in names if ".tmp" in n], names


def test_old_versions_of_a_data_directory_are_pruned(tmp_path, data_copy):
    home = tmp_path / "home"
    p = ks("--data", str(data_copy), *COUNT_RISKS, home=home)
    raw_ok(p)
    dictionary = data_copy / "dictionary.toml"
    for n in range(3):  # three new versions of the same directory (content, not only mtime)
        with dictionary.open("a", encoding="utf-8") as f:
            f.write(f"\n# version {n}\n")
        raw_ok(ks("--data", str(data_copy), *COUNT_RISKS, home=home))
        assert len(list((home / "cache").glob("data-*.duckdb"))) == 1
    # a data directory that no longer exists loses its compiled file at the next build
    other = tmp_path / "other"
    shutil.copytree(data_copy, other)
    raw_ok(ks("--data", str(other), *COUNT_RISKS, home=home))
    assert len(list((home / "cache").glob("data-*.duckdb"))) == 2
    shutil.rmtree(other)
    with dictionary.open("a", encoding="utf-8") as f:
        f.write("\n# version 4\n")
    raw_ok(ks("--data", str(data_copy), *COUNT_RISKS, home=home))
    assert len(list((home / "cache").glob("data-*.duckdb"))) == 1


def test_old_cached_values_are_pruned(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    for n in range(12):
        path = folder / f"dictionary-{n:024x}.json"
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    raw_ok(ks(*COUNT_RISKS, home=tmp_path))  # a build prunes
    left = sorted(p.name for p in folder.glob("dictionary-*.json"))
    assert len(left) == 8
    assert f"dictionary-{11:024x}.json" in left and f"dictionary-{0:024x}.json" not in left
    assert len(list(folder.glob("data-*.duckdb"))) == len(list(folder.glob("data-*.json"))) == 1


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Rewrite `path` with `old` replaced by an equally long `new`, and put its mtime back."""
    before = path.stat()
    data = path.read_bytes()
    assert len(old.encode()) == len(new.encode()) and old.encode() in data
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _first_risk(data: Path, home: Path) -> str:
    p = ks("--data", str(data), "sql", "SELECT min(risk) AS r FROM risker", "--format", "json",
           home=home)  # fmt: skip
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["rows"][0][0]


def test_same_size_edit_with_restored_mtime_is_not_served_stale(tmp_path, data_copy):
    home = tmp_path / "home"
    before = _first_risk(data_copy, home)
    _same_size_edit(data_copy / "risker.csv", f",{before},", f",{'A' + before[1:]},")
    assert _first_risk(data_copy, home) == "A" + before[1:]


def test_big_files_are_keyed_by_identity_and_still_not_stale(tmp_path, data_copy, monkeypatch):
    from ksquery import catalog as catalog_mod

    monkeypatch.setenv("KSQUERY_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(catalog_mod, "HASH_LIMIT", 0)  # every file counts as big
    first = open_catalog(data_copy)
    first.close()
    last = (data_copy / "risker.csv").read_bytes().rstrip()[-1:].decode()
    _same_size_edit(data_copy / "risker.csv", last, "9" if last != "9" else "8")
    second = open_catalog(data_copy)  # the ctime moved: a new key
    second.close()
    assert second.fingerprint != first.fingerprint


def test_a_touched_but_unchanged_small_file_keeps_its_compiled_database(tmp_path, data_copy):
    home = tmp_path / "home"
    raw = _first_risk(data_copy, home)
    (db,) = (home / "cache").glob("data-*.duckdb")
    built = db.stat()
    path = data_copy / "risker.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**10))
    assert _first_risk(data_copy, home) == raw
    (again,) = (home / "cache").glob("data-*.duckdb")
    assert again == db  # the same key: the content did not change
    assert (again.stat().st_ino, again.stat().st_mtime_ns) == (built.st_ino, built.st_mtime_ns)


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs (needs the privilege to mount; skipped otherwise)."""
    mounts: list[Path] = []

    def mount(size: str = "4m") -> Path:
        target = tmp_path / f"mnt{len(mounts)}"
        target.mkdir()
        p = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
            capture_output=True,
        )
        if p.returncode != 0:
            pytest.skip("cannot mount a tmpfs here")
        mounts.append(target)
        return target

    yield mount
    for target in reversed(mounts):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _read_only(target: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)


def test_cold_read_only_home_only_costs_speed(tmpfs):
    home = tmpfs()
    _read_only(home)
    raw_ok(ks(*COUNT_RISKS, home=home))
    assert ks("ask", "investeringar per år", home=home).returncode == 0


def test_unwritable_home_only_costs_speed(tmp_path):
    (tmp_path / "home").write_text("a file where the home directory should be")
    raw_ok(ks(*COUNT_RISKS, home=tmp_path / "home"))


def test_warm_read_only_home_with_a_damaged_database(tmpfs):
    home = tmpfs()
    raw_ok(ks(*COUNT_RISKS, home=home))
    (db,) = (home / "cache").glob("data-*.duckdb")
    _damage_half(db)
    _read_only(home)
    raw_ok(ks(*COUNT_RISKS, home=home))
    raw_ok(ks(*COUNT_RISKS, home=home))


def test_full_disk_in_the_cache_only_costs_speed(tmpfs):
    home = tmpfs("48k")
    raw_ok(ks(*COUNT_RISKS, home=home))
    assert not [p for p in (home / "cache").iterdir() if ".tmp" in p.name]


def test_full_disk_on_export_is_one_swedish_line(tmpfs):
    target = tmpfs("16k")
    p = ks("sql", "SELECT * FROM avsnitt", "--format", "json", "--out", str(target / "a.json"))
    assert_refused(p, 2, "disken är full")


def test_storage_errors_are_swedish():
    from ksquery.catalog import storage_reason

    assert storage_reason(Exception("FATAL Error: … No space left on device")) == "disken är full"
    assert "skrivskyddat" in storage_reason(Exception("IO Error: Read-only file system"))
    assert storage_reason(Exception("Something else")) == "lagringsfel i DuckDB"


SPILLING = (
    "SELECT count(*) FROM (SELECT range % 10000000 AS k, repeat('x', 50) AS v "
    "FROM range(20000000) ORDER BY v, k)"
)


@pytest.mark.parametrize("cap", [None, "10GiB"])  # DuckDB's own cap, or the disk's real end
def test_full_disk_under_a_spilling_query_is_one_swedish_line(tmpfs, cap):
    import duckdb

    from ksquery import engine
    from ksquery.errors import QueryFailed

    con = duckdb.connect()
    con.execute("SET memory_limit = '100MB'")
    con.execute(f"SET temp_directory = '{tmpfs('1m')}/spill'")
    if cap:
        con.execute(f"SET max_temp_directory_size = '{cap}'")
    with pytest.raises(QueryFailed) as caught:
        engine.execute(con, SPILLING, {}, timeout=60)
    err = caught.value
    assert "disken är full" in str(err), (str(err), err.hint)
    for english in ("Error", "offload", "No space", "write file"):
        assert english not in f"{err} {err.hint}", (str(err), err.hint)
    assert con.execute("SELECT 42").fetchone() == (42,)  # the connection still answers
    con.close()


@pytest.mark.parametrize(
    "error, words",
    [
        ('IOException:IO Error: Could not write file "/c/x.tmp": No space left on device', "full"),
        ("OutOfMemoryException:Out of Memory Error: failed to offload data block", "full"),
        ("IOException:IO Error: Cannot open file: Read-only file system", "skrivskyddat"),
        ("FatalException:FATAL Error: … No space left on device", "full"),
    ],
)
def test_storage_errors_during_a_query_are_swedish(error, words):
    import duckdb

    from ksquery import engine
    from ksquery.errors import QueryFailed

    kind, text = error.split(":", 1)
    with pytest.raises(QueryFailed, match=words) as caught:
        engine._raise(getattr(duckdb, kind)(text))
    assert "Error" not in f"{caught.value} {caught.value.hint}"


def test_other_io_errors_keep_their_generic_line():
    import duckdb

    from ksquery import engine
    from ksquery.errors import QueryFailed

    with pytest.raises(QueryFailed, match="DuckDB avbröt frågan"):
        engine._raise(duckdb.IOException("IO Error: No files found that match the pattern"))


def test_cache_api_round_trip_and_damage(tmp_path, monkeypatch):
    monkeypatch.setenv("KSQUERY_HOME", str(tmp_path))
    assert cache.load("thing") is None
    assert cache.store("thing", {"a": [1, "å"]})
    assert cache.load("thing") == {"a": [1, "å"]}
    cache.path("thing.json").write_text("[1,2]")
    assert cache.load("thing") is None
    cache.forget("thing")
    assert not cache.path("thing.json").exists()
    with pytest.raises(ValueError):
        cache.path("../escape")


def test_cache_marks_round_trip_and_version(tmp_path, monkeypatch):
    monkeypatch.setenv("KSQUERY_HOME", str(tmp_path))
    assert not cache.marked("verdict-abc")
    assert cache.mark("verdict-abc")
    assert cache.marked("verdict-abc")
    assert not cache.marked("../escape") and not cache.mark("../escape")
    monkeypatch.setattr(cache, "VERSION", cache.VERSION + "x")
    assert not cache.marked("verdict-abc")  # a new version forgets every mark


def test_unwritable_cache_marks_only_cost_speed(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache directory should be")
    monkeypatch.setenv("KSQUERY_HOME", str(tmp_path))
    assert not cache.mark("verdict-abc")
    assert not cache.marked("verdict-abc")


def test_named_question_verdict_is_cached_and_keyed_by_validator_version(tmp_path, monkeypatch):
    from ksquery import engine, questions

    monkeypatch.setenv("KSQUERY_HOME", str(tmp_path))
    catalog = open_catalog(DATA)
    sql = questions.load_all()["investeringar_per_ar"].sql
    calls: list[str] = []
    real = engine.check
    monkeypatch.setattr(engine, "check", lambda c, s: calls.append(s) or real(c, s))
    engine.check_cached(catalog, sql)
    engine.check_cached(catalog, sql)
    assert calls == [sql]  # the second time, the verdict comes from the cache
    monkeypatch.setattr(engine, "VALIDATOR_VERSION", engine.VALIDATOR_VERSION + "x")
    engine.check_cached(catalog, sql)
    assert calls == [sql, sql]  # new rules: validated again
    catalog.close()


# --- §4 nothing overwrites the data -----------------------------------------------------------


@pytest.fixture
def data_and_links(tmp_path, data_copy):
    (tmp_path / "linkdir").symlink_to(data_copy)
    (tmp_path / "linkfile.csv").symlink_to(data_copy / "risker.csv")
    (tmp_path / "dangling.csv").symlink_to(data_copy / "ny.csv")
    return data_copy


@pytest.mark.parametrize(
    "target",
    [
        "{data}/risker.csv",
        "{data}/ny.csv",
        "{data}/../data/ny.csv",
        "{data}/undermapp/ny.csv",
        "{data}/source/../ny.csv",
        "{tmp}/linkdir/ny.csv",
        "{tmp}/linkdir/risker.csv",
        "{tmp}/linkfile.csv",
        "{tmp}/dangling.csv",
        "{queries}/ny.csv",
        "{shipped}/ny.csv",
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_exports_refuse_the_data_and_queries_directories(tmp_path, data_and_links, target, force):
    before, shipped_before = tree_digest(data_and_links), tree_digest(DATA)
    path = target.format(data=data_and_links, tmp=tmp_path, queries=ROOT / "queries", shipped=DATA)
    extra = ["--force"] if force else []
    p = ks("--data", str(data_and_links), "ask", "skalor", "--format", "csv", "--out", path, *extra)
    assert_refused(p, 2, "vägrar")
    assert tree_digest(data_and_links) == before and tree_digest(DATA) == shipped_before
    assert not (ROOT / "queries" / "ny.csv").exists()


@pytest.mark.parametrize(
    "folder", ["{data}", "{data}/../data", "{data}/ny", "{tmp}/linkdir", "{queries}"]
)
def test_batch_exports_refuse_the_data_directory(tmp_path, data_and_links, folder):
    before = tree_digest(data_and_links)
    out = folder.format(data=data_and_links, tmp=tmp_path, queries=ROOT / "queries")
    queries = [str(p) for p in sorted((ROOT / "queries").glob("*.sql"))[:5]]
    for force in ([], ["--force"]):
        p = ks(
            "--data", str(data_and_links), "run", *queries, "--format", "csv", "--out", out, *force
        )
        assert_refused(p, 2, "vägrar")
        assert p.stdout == ""
    assert tree_digest(data_and_links) == before


@pytest.mark.parametrize(
    "args",
    [
        ("sql", "SELECT 1 AS x", "--format", "csv", "--out", "{data}/x.csv", "--force"),
        ("sql", "SELECT 1 AS x", "--format", "xlsx", "--out", "{data}/../data/x.xlsx"),
        ("run", "{queries}/skalor.sql", "--format", "xlsx", "--out", "{data}/r.xlsx", "--force"),
        ("ask", "investeringar per år", "--format", "json", "--out", "{data}/source/x.json"),
    ],
)
def test_every_export_command_refuses_the_data(data_copy, args):
    before = tree_digest(data_copy)
    filled = [a.format(data=data_copy, queries=ROOT / "queries") for a in args]
    assert_refused(ks("--data", str(data_copy), *filled), 2, "vägrar")
    assert tree_digest(data_copy) == before


def test_exports_do_not_overwrite_unless_forced(tmp_path):
    target = tmp_path / "ny" / "mapp" / "skalor.csv"  # the folder is created
    assert ks("ask", "skalor", "--format", "csv", "--out", str(target)).returncode == 0
    first = target.read_text(encoding="utf-8")
    target.write_text("mitt eget arbete", encoding="utf-8")
    p = ks("ask", "skalor", "--format", "csv", "--out", str(target))
    assert_refused(p, 2, "finns redan", "--force")
    assert target.read_text(encoding="utf-8") == "mitt eget arbete"
    assert ks("ask", "skalor", "--format", "csv", "--out", str(target), "--force").returncode == 0
    assert target.read_text(encoding="utf-8") == first
    assert_refused(ks("ask", "skalor", "--format", "csv", "--out", str(tmp_path)), 2, "katalog")


def test_batch_exports_do_not_overwrite_unless_forced(tmp_path):
    out = tmp_path / "rapport"
    files = [str(ROOT / "queries" / "skalor.sql"), str(ROOT / "queries" / "riskmatris.sql")]
    assert ks("run", *files, "--format", "csv", "--out", str(out)).returncode == 0
    (out / "skalor.csv").write_text("mitt", encoding="utf-8")
    p = ks("run", *files, "--format", "csv", "--out", str(out))
    assert p.returncode == 2 and "finns redan" in p.stderr
    assert (out / "skalor.csv").read_text(encoding="utf-8") == "mitt"
    assert ks("run", *files, "--format", "csv", "--out", str(out), "--force").returncode == 0
    assert (out / "skalor.csv").read_text(encoding="utf-8") != "mitt"


def test_safe_target_is_the_one_rule(tmp_path, catalog):
    from ksquery.exports import ExportRefused, safe_target

    with pytest.raises(ExportRefused, match="vägrar"):
        safe_target(catalog.data_dir / "x.csv", catalog)
    made = safe_target(tmp_path / "a" / "b" / "x.csv", catalog)
    assert made.parent.is_dir()
    made.write_text("x")
    with pytest.raises(ExportRefused, match="finns redan"):
        safe_target(made, catalog)
    assert safe_target(made, catalog, force=True) == made.resolve()


def _add_check(data_dir: Path, sql: str) -> None:
    with open(data_dir / "dictionary.toml", "a", encoding="utf-8") as f:
        f.write(f"\n[[checks]]\nid = \"fientlig\"\ndescription = \"x\"\nsql = '''{sql}'''\n")


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1 AS a) TO '{data}/risker.csv' (HEADER false)",
        "SELECT 'a', 1, 2, 3; COPY (SELECT 1) TO '{data}/skalor.csv'",
        "SELECT 'a', 1, 2, 3 FROM risker; SELECT 1",
        "CREATE TABLE x AS SELECT 1",
        "ATTACH '{data}/ny.duckdb' AS ny",
        "SELECT 'a', 1, 2, 3 FROM read_text('{data}/dictionary.toml')",
    ],
)
def test_data_directory_checks_pass_the_gate(data_copy, sql):
    _add_check(data_copy, sql.format(data=data_copy))
    before = {k: v for k, v in tree_digest(data_copy).items() if k != "dictionary.toml"}
    p = ks("--data", str(data_copy), "check")
    assert_refused(p, 2, "fientlig")
    after = {k: v for k, v in tree_digest(data_copy).items() if k != "dictionary.toml"}
    assert after == before


@pytest.mark.parametrize(
    "file",
    ["../../../etc/passwd", "/etc/passwd", "source/../../outside.csv", "link.csv", "linkdir/x.csv"],
)
def test_table_files_must_stay_in_the_data_directory(tmp_path, data_copy, file):
    outside = tmp_path / "outside.csv"
    outside.write_text("HEMLIG-RAD,b\n1,2\n", encoding="utf-8")
    (data_copy / "link.csv").symlink_to("/etc/passwd")
    (data_copy / "linkdir").symlink_to(tmp_path)
    (tmp_path / "x.csv").write_text("HEMLIG-RAD\n", encoding="utf-8")
    dictionary = data_copy / "dictionary.toml"
    text = dictionary.read_text(encoding="utf-8")
    dictionary.write_text(text.replace('file = "risker.csv"', f'file = "{file}"'), "utf-8")
    p = ks("--data", str(data_copy), "tables")
    assert_refused(p, 2, "utanför datakatalogen")
    assert "root:" not in p.stderr and "HEMLIG" not in p.stderr


# --- §5 nothing reaches the terminal raw -----------------------------------------------------


def _hostile_result() -> Result:
    return Result(
        columns=("namn" + HOSTILE, "belopp"),
        types=("VARCHAR", "INTEGER"),
        rows=[(HOSTILE, 5), ('=HYPERLINK("http://x")' + HOSTILE, -3)],
        title="titel " + HOSTILE,
        question="fråga",
        source="källa " + HOSTILE,
        notes=("not " + HOSTILE,),
    )


@pytest.mark.parametrize("fmt", ["table", "md", "json", "csv", "excel-csv"])
def test_every_format_is_printable_on_a_terminal(fmt):
    if fmt not in output.FORMATS:
        pytest.skip(f"{fmt} not available")
    text = output.terminal_text(output.render(_hostile_result(), fmt, max_rows=None), fmt)
    assert not DANGEROUS & set(text), sorted(DANGEROUS & set(text))
    if fmt == "json":  # still the exact values
        assert json.loads(text)["rows"][0][0] == HOSTILE


def test_files_keep_raw_values():
    import csv
    import io

    raw = output.render(_hostile_result(), "csv")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert rows[1][0] == HOSTILE and rows[2][0].startswith("=HYPERLINK")
    assert json.loads(output.to_json(_hostile_result()))["title"] == "titel " + HOSTILE


@pytest.mark.parametrize(
    "text, expected",
    [
        ('=HYPERLINK("http://x","klick")', '\'=HYPERLINK("http://x","klick")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("vanlig text = 1", "vanlig text = 1"),
        ("", ""),
    ],
)
def test_formulas_are_neutralised_for_spreadsheets(text, expected):
    assert output.neutralise_formula(text) == expected


def test_excel_csv_neutralises_and_csv_stays_raw():
    if "excel-csv" not in output.FORMATS:
        pytest.skip("excel-csv not available")
    result = Result(("a",), ("VARCHAR",), [("=1+1",), ("@SUM(A1)",), ("+x",), ("-y",)])
    excel = output.render(result, "excel-csv")
    assert "'=1+1" in excel and "'@SUM(A1)" in excel and "'+x" in excel and "'-y" in excel
    assert output.render(result, "csv").splitlines()[1:] == ["=1+1", "@SUM(A1)", "+x", "-y"]


HOSTILE_SQL = (
    "SELECT chr(27)||'[2J'||chr(27)||']0;TITLE'||chr(7) AS x, chr(155)||'31m' AS c1, "
    "chr(157)||'0;t'||chr(156) AS osc, chr(8238)||'gnp.exe' AS rlo, chr(8294) AS lri"
)


@pytest.mark.parametrize("fmt", ["table", "md", "json"])
def test_cli_output_is_printable(fmt):
    p = ks("sql", HOSTILE_SQL, "--format", fmt)
    assert p.returncode == 0, p.stderr
    assert not DANGEROUS & set(p.stdout.replace("\n", "")), repr(p.stdout)


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_cli_output_to_a_real_terminal_is_printable(fmt):
    master, slave = pty.openpty()
    try:
        p = ks("sql", HOSTILE_SQL, "--format", fmt, stdout=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert p.returncode == 0, p.stderr
    assert "TITLE" in text
    assert not DANGEROUS & set(text.replace("\n", "")), repr(text)


def test_csv_piped_to_a_program_keeps_raw_values():
    p = ks("sql", HOSTILE_SQL, "--format", "csv")
    assert "\x1b[2J" in p.stdout and "\u202e" in p.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("describe", "risk\x1b[2J\x9b31m\u202eer"),
        ("ask", "risker_utan_kontroll", "--param", "min_värde=\x1b]0;X\x07\x9d"),
        ("ask", "risker_utan_kontroll", "--param", "min_v\u202eärde=8"),
        ("sql", "SELECT riskvärde\x9b FROM risker"),
        ("sql", 'SELECT "\x1b[2J\u202e" FROM risker'),
        ("--data", "/nonexistent/\x1b[2J\u202e", "tables"),
        ("run", "/nonexistent/\x1b]0;X\x07.sql"),
        ("ask", "\u202e\x1b[2J vad kostar \x9b"),
        ("--timeout", "\x1b[2J", "tables"),
    ],
)
def test_error_and_tips_lines_are_printable(args):
    p = ks(*args)
    assert p.returncode in (1, 2), p.stderr
    assert not DANGEROUS & set(p.stderr.replace("\n", "")), repr(p.stderr)
    assert not DANGEROUS & set(p.stdout.replace("\n", "")), repr(p.stdout)


# --- §5 load errors name their place -----------------------------------------------------------


def _edit_bytes(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize(
    "char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
)
def test_unusual_characters_in_a_cell_load(data_copy, char):
    _edit_bytes(
        data_copy / "risker.csv",
        "R01,1,Välfärdsbrottslighet,Risk att".encode(),
        f"R01,1,Välfärdsbrottslighet,Risk{char}att".encode(),
    )
    catalog = open_catalog(data_copy)
    try:
        (value,) = catalog.con.execute(
            "SELECT beskrivning FROM risker WHERE risk_id = 'R01'"
        ).fetchone()
    finally:
        catalog.close()
    assert value.startswith(f"Risk{char}att")


def _with_endings(path: Path, endings: list[bytes]) -> None:
    """Rewrite the file with the given ending after each line (the last one repeats)."""
    lines = path.read_bytes().replace(b"\r\n", b"\n").removesuffix(b"\n").split(b"\n")
    ends = endings + [endings[-1]] * (len(lines) - len(endings))
    path.write_bytes(b"".join(line + end for line, end in zip(lines, ends, strict=True)))


@pytest.mark.parametrize(
    "endings, cell, line",
    [
        ([b"\r\n"] * 4 + [b"\n"] + [b"\r\n"], b"", 5),  # a CRLF file with one LF row
        ([b"\n"] * 4 + [b"\r\n"] + [b"\n"], b"", 5),  # an LF file with one CRLF row
        ([b"\n"], b"\rx", 2),  # a CR inside an unquoted cell
        ([b"\r\n"], b"\rx", 2),
        ([b"\r\n"] * 2 + [b"\n"], b"", 3),
    ],
)
def test_line_breaks_are_reported_with_file_and_line(data_copy, endings, cell, line):
    path = data_copy / "skalor.csv"
    _with_endings(path, endings)
    if cell:
        data = path.read_bytes()
        comma = data.index(b",", data.index(b"\n") + 1)
        path.write_bytes(data[:comma] + cell + data[comma:])
    with pytest.raises(DataError) as info:
        open_catalog(data_copy)
    message = str(info.value)
    assert "skalor.csv" in message and f"rad {line}" in message, message
    assert "state machine" not in message


def test_load_error_names_file_and_line_through_the_cli(data_copy):
    _with_endings(data_copy / "skalor.csv", [b"\r\n", b"\r\n", b"\n", b"\r\n"])
    p = ks("--data", str(data_copy), "tables")
    assert_refused(p, 2, "skalor.csv", "rad 3")
