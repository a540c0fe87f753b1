"""The REPL: the loop body as a plain function, and the real prompt_toolkit loop on a pipe."""

from __future__ import annotations

import threading
import time

import pytest

from ksquery import engine, questions, shell
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
    assert (
        "\\?" not in texts(handle(state, "\\?"))[0]
        and ".tables" in texts(handle(state, ".help"))[0]
    )
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
        assert f".{name}" in help_text


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
    bad = handle(state, "driftpost 2025")
    assert bad[0].kind == "error" and "NAMN=VÄRDE" in bad[0].text
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
