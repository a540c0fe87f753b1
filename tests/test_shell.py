"""The REPL: the loop body as a plain function, and the real prompt_toolkit loop on a pipe."""

from __future__ import annotations

import threading
import time

import pytest

from ksquery import commands, engine, questions, shell
from ksquery.shell import Reply, State, handle


@pytest.fixture
def state(catalog):
    return State(catalog, questions.load_all())


def texts(items):
    return [i.text if isinstance(i, Reply) else i for i in items]


def test_named_question_sql_and_refusal(state):
    (r,) = handle(state, "risker_utan_kontroll min_värde=8")
    assert r.title.startswith("Risker med riskvärde minst 8") and r.rows[0][0] == "Cyberhot"
    refused = handle(state, "DROP VIEW risker;")
    assert refused[0].kind == "error" and "DROP" in refused[0].text
    (ok,) = handle(state, "SELECT count(*) FROM risker;")
    assert ok.rows == [(33,)]


def test_meta_commands(state, tmp_path):
    assert texts(handle(state, "\\?")) == texts(handle(state, ".help"))
    assert ".tables" in texts(handle(state, ".help"))[0]
    assert handle(state, ".tables")[0].rows
    assert handle(state, ".describe risker")[0].rows[0][0] == "risk_id"
    assert "okänt kommando" in texts(handle(state, ".foo"))[0]
    handle(state, "investeringar_per_ar")
    assert "sparade 6 rader" in texts(handle(state, f".export {tmp_path / 'inv.xlsx'}"))[0]
    assert (tmp_path / "inv.xlsx").stat().st_size > 0
    assert "█" in texts(handle(state, ".chart"))[0]
    assert "SELECT" in texts(handle(state, ".sql"))[0]
    handle(state, ".timeout 2")
    assert state.timeout == 2
    assert handle(state, ".timeout x")[0].kind == "error"
    handle(state, ".format json")
    assert state.fmt == "json"
    handle(state, ".quit")
    assert state.done


def test_every_command_is_in_help(state):
    help_text = texts(handle(state, ".help"))[0]
    for name in shell.COMMANDS:
        assert f".{name}" in help_text or f"\\{name}" in help_text, name


def test_input_completion_rules():
    assert shell.is_complete("risker utan kontroll") and shell.is_complete(".tables")
    assert not shell.is_complete("SELECT *\nFROM risker") and shell.is_complete("SELECT 1;")


def test_swedish_question_and_follow_up(state):
    replies = handle(state, "Hur mycket läggs på Bälinge företagspark 2026?")
    result = [r for r in replies if not isinstance(r, Reply)][0]
    assert any(7030 in row for row in result.rows)
    assert texts(replies)[0].startswith("Tolkat som:")
    follow = [r for r in handle(state, "och 2027?") if not isinstance(r, Reply)][0]
    assert any(14725 in row for row in follow.rows)


def test_completion_knows_swedish_columns(state):
    from prompt_toolkit.document import Document

    completer = shell._completer(state)
    doc = Document("SELECT riskv", len("SELECT riskv"))
    assert "riskvärde" in [c.text for c in completer.get_completions(doc, None)]
    doc = Document(".tab", 4)
    assert ".tables" in [c.text for c in completer.get_completions(doc, None)]


LONG = "SELECT count(*) AS n FROM range(1000000) a, range(1000000) b"


def test_real_repl_on_a_pipe(catalog, monkeypatch, capsys):
    """Drive the real prompt loop end to end: a named question, SQL over several lines, a refused
    statement then a working one, Tab completion of a Swedish column, Ctrl-C during a long query,
    and Ctrl-D."""
    import signal

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    started = threading.Event()
    original = engine.execute

    def watched(con, sql, *args, **kwargs):
        if sql == LONG:
            started.set()
        return original(con, sql, *args, **kwargs)

    monkeypatch.setattr(engine, "execute", watched)
    main_id = threading.main_thread().ident

    def press_ctrl_c() -> None:  # what the terminal does on Ctrl-C while a query runs
        if started.wait(30):
            time.sleep(0.3)
            signal.pthread_kill(main_id, signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    steps = [
        "risker_utan_kontroll min_värde=8\r",
        "SELECT count(*) AS n\rFROM risker;\r",
        "DROP VIEW risker;\r",
        "SELECT 41 + 1 AS svar;\r",
        "SELECT riskv\t",  # completion runs as a task: type on after it, as a person would
        " AS tabbad FROM risker WHERE risk = 'Cyberhot';\r",
        LONG + ";\r",
        "SELECT 'efter avbrottet' AS status;\r",
        "\x04",
    ]
    with create_pipe_input() as pipe:
        import prompt_toolkit.application.current as current

        def type_steps() -> None:
            for step in steps:
                time.sleep(0.3)  # a person's pace; completion runs between keys
                pipe.send_text(step)

        typist = threading.Thread(target=type_steps, daemon=True)
        typist.start()
        with current.create_app_session(input=pipe, output=DummyOutput()):
            code = shell.start(interactive=True)
        typist.join(5)
    presser.join(5)
    out = capsys.readouterr().out
    assert code == 0
    assert "Cyberhot" in out and "33" in out and "42" in out
    assert "tabbad" in out and " 8" in out  # riskv<Tab> completed to riskvärde
    assert "1000000000000" not in out.replace(" ", "")  # the long query never finished
    assert "efter avbrottet" in out  # the session went on after Ctrl-C


def test_cancel_long_query_keeps_connection(catalog):
    with pytest.raises(Exception) as err:
        engine.run(catalog, "SELECT count(*) FROM range(1000000) a, range(1000000) b", timeout=0.3)
    assert "avbröts" in str(err.value)
    assert engine.run(catalog, "SELECT count(*) FROM risker").rows == [(33,)]


def test_ctrl_c_interrupts_a_running_query(catalog):
    import _thread

    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(Exception, match="Ctrl-C"):
            engine.run(
                catalog, "SELECT count(*) FROM range(1000000) a, range(1000000) b", timeout=30
            )
    finally:
        timer.cancel()
    assert engine.run(catalog, "SELECT 1").rows == [(1,)]


def test_completion_lists_a_column_once(state):
    from prompt_toolkit.document import Document

    completer = shell._completer(state)
    doc = Document("SELECT riskv", len("SELECT riskv"))
    found = [c for c in completer.get_completions(doc, None) if c.text == "riskvärde"]
    assert len(found) == 1 and "risker" in found[0].display_meta_text


def test_named_question_params_with_spaces_and_mistakes(state):
    (r,) = handle(state, 'driftpost post="Köp av tjänster" från=2025 till=2025')
    assert r.rows[0][3] == -55125
    unbalanced = handle(state, 'driftpost post="Köp av')
    assert unbalanced[0].kind == "error"


def test_piped_input_runs_without_a_terminal():
    import subprocess
    import sys

    from conftest import ROOT

    script = "SELECT count(*) AS n\nFROM risker;\ninvesteringar per år\nDROP VIEW risker;\n"
    p = subprocess.run(
        [sys.executable, "-m", "ksquery"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert p.returncode == 2  # the DROP failed, the rest ran
    assert "33" in p.stdout and "106 790" in p.stdout
    assert "DROP" in p.stderr and "Traceback" not in p.stderr and "\x1b" not in p.stdout


@pytest.mark.parametrize(
    "before, expected, unexpected",
    [
        ("SELECT riskv", "riskvärde", "risker_utan_kontroll"),
        (".tab", ".tables", "risker"),
        (".describe ri", "risker", "riskvärde"),
        ("utredningar_for_namnd nämnd=Ku", '"Kultur- och utbildningsnämnden"', "kategori"),
        ("investering post=", '"Bälinge företagspark"', "belopp_tkr"),
        ("investering ", "från=", "risker"),
        ("SELECT * FROM drift WHERE r", "radtyp", "risker_utan_kontroll"),
        ("risker_u", "risker_utan_kontroll", "riskvärde"),
    ],
)
def test_completion_by_context(state, before, expected, unexpected):
    offered = [text for text, _, _ in shell.completions(state, before)]
    assert expected in offered and unexpected not in offered


# --- issue 12: the analyst's daily terminal ----------------------------------------------------


def results(items):
    return [i for i in items if not isinstance(i, Reply)]


def drive(steps: list[str], pause: float = 0.4) -> str:
    """Type `steps` into the real prompt loop (keys, pastes, Ctrl-R) and return what it printed."""
    import contextlib
    import io

    import prompt_toolkit.application.current as current
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    out = io.StringIO()
    finished = threading.Event()
    with create_pipe_input() as pipe:

        def type_steps() -> None:
            for step in steps:
                time.sleep(pause)  # a person's pace
                pipe.send_text(step)
            if not finished.wait(10):  # a step failed to end the session: do not hang the suite
                pipe.send_text("\x03\x04")

        typist = threading.Thread(target=type_steps, daemon=True)
        typist.start()
        with current.create_app_session(input=pipe, output=DummyOutput()):
            with contextlib.redirect_stdout(out):
                code = shell.start(interactive=True)
        finished.set()
        typist.join(5)
        assert code == 0
    return out.getvalue()


def test_ctrl_r_then_enter_runs_the_found_line():
    out = drive(["SELECT 'sökbar' || 'rad' AS hittad;\r", "\x12sökbar", "\r", "\x04"])
    assert out.count("sökbarrad") == 2  # typed once, found with Ctrl-R and run again by Enter


def test_pasted_commented_query_runs_without_an_extra_enter():
    paste = "\x1b[200~-- största objekten\nSELECT 'klistrad' AS status;\n\x1b[201~"
    out = drive([paste, "\x04"])
    assert "klistrad" in out and "hittar ingen fråga" not in out


def test_expanded_read_and_set_in_the_real_loop(tmp_path, catalog):
    script = tmp_path / "rapport.sql"
    script.write_text(
        "-- två satser\nSELECT 'första' AS nr;\nSELECT count(*) AS risker FROM risker;\n",
        encoding="utf-8",
    )
    out = drive(
        [
            "\\x\r",
            "SELECT 'a' AS kolumn_ett, 'b' AS kolumn_två;\r",
            "\\x off\r",
            f"\\i {script}\r",
            "\\set gräns 8\r",
            "SELECT count(*) AS antal FROM risker WHERE riskvärde >= $gräns;\r",
            "\x04",
        ]
    )
    assert "-[ rad 1 ]" in out and "kolumn_två │ b" in out  # \x: one line per column
    assert "första" in out and "33" in out  # .read ran both statements
    (expected,) = engine.run(catalog, "SELECT count(*) FROM risker WHERE riskvärde >= 8").rows[0]
    assert "Parametrar: gräns = 8" in out and out.split("antal\n")[1].split("\n")[1].strip() == str(
        expected
    )


def test_sql_after_a_comment_is_sql(state):
    text = "-- största objekten 2025\nSELECT count(*) AS n FROM risker;"
    assert shell.is_sql(text) and shell.is_complete(text)
    assert not shell.is_complete("-- största objekten 2025")  # waits for the statement
    assert not shell.is_complete("/* kollegans fråga */ SELECT 1")
    (r,) = handle(state, text)
    assert r.rows == [(33,)]
    (r,) = handle(state, "/* block */ SELECT 2 AS x; -- slut")
    assert r.rows == [(2,)]


def test_piped_commented_sql_and_short_questions_agree_with_ask(catalog):
    import subprocess
    import sys

    from conftest import ROOT

    script = (
        "-- antal risker\nSELECT count(*) AS n\nFROM risker;\nkommunbidrag 2025\nrisk cyberhot\n"
    )
    p = subprocess.run(
        [sys.executable, "-m", "ksquery"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "33" in p.stdout and "NAMN=VÄRDE" not in p.stderr
    for question in ("kommunbidrag 2025", "risk cyberhot"):
        cli = subprocess.run(
            [sys.executable, "-m", "ksquery", "ask", question],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert cli.returncode == 0 and cli.stdout.strip().splitlines()[0] in p.stdout


@pytest.mark.parametrize("text", ["kommunbidrag 2025", "risk cyberhot", "driftpost 2025"])
def test_a_question_starting_with_an_id_is_read_as_swedish(state, catalog, text):
    from ksquery import ask

    got = results(handle(state, text))
    expected = ask.answer(catalog, state.named, text, {})
    assert got and got[0].rows == expected.rows and got[0].title == expected.title


def test_several_statements_run_in_order(state):
    got = results(handle(state, "SELECT 1 AS a; SELECT 'x;y' AS b; -- klar"))
    assert [r.rows for r in got] == [[(1,)], [("x;y",)]]


def test_set_binds_parameters_and_sql_output_pastes_back(state):
    refused = handle(state, "SELECT count(*) FROM risker WHERE riskvärde >= $min_värde;")
    assert refused[0].kind == "error" and "\\set min_värde" in texts(refused)[1]
    handle(state, "risker_utan_kontroll min_värde=8")
    shown = texts(handle(state, ".sql"))[0]
    assert shown.startswith("\\set min_värde 8\n")
    again = results(handle(state, shown))  # the .sql output pasted back as one input
    assert again[0].rows[0][0] == "Cyberhot" and len(again[0].rows) == 1
    handle(state, "\\set min_värde 4")
    (r,) = handle(state, "SELECT count(*) FROM risker WHERE riskvärde >= $min_värde;")
    assert r.rows[0][0] > 1 and r.params == {"min_värde": 4}
    assert handle(state, "\\unset min_värde")[0].kind == "info" and not state.params


def test_export_makes_folders_refuses_overwrite_and_writes_excel_csv(state, tmp_path):
    import csv

    handle(state, "drift_per_post")
    target = tmp_path / "ny" / "mapp" / "drift.csv"
    reply = texts(handle(state, f".export {target}"))[0]
    assert "Excel" in reply and "rå csv" in reply
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert rows[0][0] == state.last.columns[0] and len(rows) == state.last.row_count + 1
    again = handle(state, f".export {target}")
    assert (
        again[0].kind == "error" and "finns redan" in again[0].text and ".export!" in again[1].text
    )
    assert handle(state, f".export! {target}")[0].kind == "info"
    raw = tmp_path / "raw.csv"
    handle(state, f".export rå {raw}")
    assert raw.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(state.last.columns)
    inside = handle(state, f".export {state.catalog.data_dir / 'x.csv'}")
    assert inside[0].kind == "error" and "vägrar skriva" in inside[0].text


def test_decimal_comma_in_excel_csv(state, tmp_path):
    import csv

    handle(state, "SELECT 0.004::DOUBLE AS liten, 1234.5::DOUBLE AS stor, '=1+1' AS formel;")
    path = tmp_path / "tal.csv"
    handle(state, f".export {path}")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[1] == ["0,004", "1234,5", "'=1+1"]


def test_maxrows_nullvalue_and_values_shown_honestly(state):
    (r,) = handle(state, "SELECT range AS n FROM range(60);")
    state.max_rows = 40
    text = state.render(r)
    assert "20 rader till" in text and ".maxrows" in text and "--format" not in text
    handle(state, ".maxrows 0")
    assert "rader till" not in state.render(r) and state.max_rows is None
    handle(state, ".maxrows 5")
    assert "55 rader till" in state.render(r)
    (r,) = handle(state, "SELECT NULL AS a, '' AS b, 0.004::DOUBLE AS c, 1/0 AS d;")
    row = state.render(r).splitlines()[2]
    assert "–" in row and "0,004" in row and "∞" in row and "division med noll" in state.render(r)
    handle(state, ".nullvalue NULL")
    assert "NULL" in state.render(r).splitlines()[2]


def test_expanded_auto_switches_only_when_too_wide(state):
    (r,) = handle(state, "SELECT * FROM risker LIMIT 1;")
    handle(state, "\\x auto")
    state.width = 80
    assert state.render(r).splitlines()[0].startswith("-[ rad 1 ]")
    (small,) = handle(state, "SELECT 1 AS a, 2 AS b, 3 AS c;")
    assert not state.render(small).startswith("-[")
    handle(state, ".mode line")
    assert state.render(small).startswith("-[ rad 1 ]")
    handle(state, ".mode table")
    assert not state.render(small).startswith("-[")


def test_save_writes_a_named_question_that_loads(state, tmp_path, monkeypatch):
    assert handle(state, ".save mina")[0].kind == "error"  # nothing yet
    handle(state, "-- Stora risker\nSELECT risk FROM risker WHERE riskvärde >= $gräns;")
    handle(state, "\\set gräns 8")
    handle(state, "SELECT risk FROM risker WHERE riskvärde >= $gräns;")
    unset = handle(state, ".save mina")
    assert unset[0].kind == "error" and "KSQUERY_QUERIES" in texts(unset)[1]
    import shutil

    shutil.copy(questions.queries_dir() / "risker_utan_kontroll.sql", tmp_path)
    monkeypatch.setenv("KSQUERY_QUERIES", str(tmp_path))
    handle(state, "-- Stora risker\nSELECT risk FROM risker WHERE riskvärde >= $gräns;")
    assert handle(state, ".save stora_risker")[0].kind == "info"
    saved = questions.parse_file(tmp_path / "stora_risker.sql")
    assert saved.title == "Stora risker" and saved.params[0].name == "gräns"
    assert saved.params[0].default == 8 and saved.params[0].type == "int"
    assert "stora_risker" in state.named  # usable at once
    (r,) = handle(state, "stora_risker gräns=9")
    assert r.title == "Stora risker"
    handle(state, "risker_utan_kontroll min_värde=8")
    handle(state, ".save kopia")
    copy = questions.parse_file(tmp_path / "kopia.sql")
    assert copy.params == state.named["risker_utan_kontroll"].params


def test_output_and_once_send_results_to_files(state, tmp_path, capsys):
    once = tmp_path / "ett" / "svar.xlsx"
    handle(state, f".once {once}")
    script = "SELECT 1 AS a;\nSELECT 2 AS b;\n"
    shell.run_script(state, script)
    assert once.stat().st_size > 0
    out = capsys.readouterr().out
    assert out.startswith("b\n") and "a\n─" not in out  # the first went to the file
    log = tmp_path / "logg.txt"
    state.max_rows = 5
    shell.run_script(
        state, f".output {log}\nSELECT 'till fil' AS x;\nFROM range(60);\n.output\nSELECT 3 AS c;\n"
    )
    written = log.read_text(encoding="utf-8")
    assert "till fil" in written and "59" in written  # a file gets every row
    assert "till fil" not in capsys.readouterr().out


def test_edit_returns_the_last_query_for_the_editor(state):
    handle(state, "SELECT 1 AS a;")
    (reply,) = handle(state, "\\e")
    assert reply.kind == "edit" and reply.text == "SELECT 1 AS a"


def test_editor_round_trip(tmp_path, monkeypatch):
    editor = tmp_path / "ed.sh"
    editor.write_text("#!/bin/sh\nprintf 'SELECT 5 AS fem;' > \"$1\"\n", encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    assert shell._edit("SELECT 1") == "SELECT 5 AS fem;"


def test_config_file_sets_the_session(state, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        'format = "csv"\nmaxrows = 7\nnullvalue = "NULL"\npager = false\nexpanded = "auto"\n'
        "timeout = 2\nmaxrow = 3\n",
        encoding="utf-8",
    )
    notes = commands.apply_config(state, config)
    assert (state.fmt, state.max_rows, state.nullvalue, state.pager, state.expanded) == (
        "csv",
        7,
        "NULL",
        False,
        "auto",
    )
    assert state.timeout == 2
    assert len(notes) == 1 and "maxrow" in notes[0].text and "maxrows" in notes[0].text
    config.write_text("format = ", encoding="utf-8")
    assert commands.apply_config(state, config)[0].kind == "error"


def test_config_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert commands.config_path() == tmp_path / "ksquery" / "config.toml"


def test_completion_after_from_lists_tables_first(state):
    offered = [t for t, _, note in shell.completions(state, "SELECT * FROM ")]
    notes = [note for _, _, note in shell.completions(state, "SELECT * FROM ")]
    assert notes[0] == "tabell" and "risker" in offered[: len(state.catalog.tables)]
    after_select = [note for _, _, note in shell.completions(state, "SELECT r")]
    assert after_select[0].startswith("kolumn")


def test_one_registry_feeds_help_completion_and_dispatch(state):
    help_text = texts(handle(state, "\\?"))[0]
    for command in commands.unique_commands():
        assert command.description in help_text
        offered = [t for t, _, _ in shell.completions(state, "." + command.name[:3])]
        assert "." + command.name in offered
    assert handle(state, "\\q") == [] and state.done  # psql's \q leaves


def test_pager_only_for_a_tall_result_on_a_terminal(state, monkeypatch, capsys):
    paged = []
    monkeypatch.setattr(shell, "_page", paged.append)
    (r,) = handle(state, "SELECT range AS n FROM range(100);")
    state.pager, state.height, state.max_rows = True, 24, None
    shell._show(state, r, interactive=True)
    assert paged and "99" in paged[0]
    (small,) = handle(state, "SELECT 1 AS a;")
    shell._show(state, small, interactive=True)
    assert len(paged) == 1 and capsys.readouterr().out.startswith("a\n─\n1\n")
    state.pager = False
    shell._show(state, r, interactive=True)
    assert len(paged) == 1


def test_cli_and_repl_share_the_inventory_rendering(catalog):
    import subprocess
    import sys

    from conftest import ROOT

    state = State(catalog, questions.load_all(), fmt="json")
    repl = texts(handle(state, ".questions"))[0]
    cli = subprocess.run(
        [sys.executable, "-m", "ksquery", "questions", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert cli.stdout.strip() == repl


ESCAPES = "SELECT chr(27) || '[2J' || chr(155) || '31m' || chr(8238) AS x;"


def test_format_csv_in_the_real_repl_prints_no_escape():
    out = drive([".format csv\r", ESCAPES + "\r", "\x04"])
    assert "\\x1b[2J" in out and "\\x9b31m" in out and "\\u202e" in out
    assert not {"\x1b", "\x9b", "\u202e"} & set(out)


@pytest.mark.parametrize("fmt", ["table", "csv", "excel-csv", "json", "md"])
def test_every_format_reaches_a_terminal_printable(state, capsys, monkeypatch, fmt):
    paged: list[str] = []
    monkeypatch.setattr(shell, "_page", paged.append)
    state.fmt = fmt
    (r,) = handle(state, ESCAPES)
    shell._show(state, r, interactive=True)
    state.pager, state.height = True, 1  # the pager gets the same text
    shell._show(state, r, interactive=True)
    shown = capsys.readouterr().out + "".join(paged)
    assert len(paged) == 1
    assert not {"\x1b", "\x9b", "\u202e"} & set(shown), shown
    assert ("\\u001b" if fmt == "json" else "\\x1b") in shown


def test_piped_csv_to_a_program_keeps_raw_values(state, capsys):
    state.fmt = "csv"
    (r,) = handle(state, ESCAPES)
    shell._show(state, r, interactive=False)  # stdout here is not a terminal
    assert "\x1b[2J" in capsys.readouterr().out
