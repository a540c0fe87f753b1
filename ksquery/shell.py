"""The REPL. `handle(state, text)` is the loop body, a plain function; `start()` adds the terminal.

This is the only module that imports prompt_toolkit, and only inside `start()` and the
completer, so that `handle` and one-shot commands stay fast and testable without a terminal.
"""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ksquery import engine, output, questions
from ksquery.catalog import Catalog, open_catalog, user_dir
from ksquery.errors import KsqueryError, os_reason
from ksquery.output import safe

SQL_START = re.compile(
    r"^\s*(\(|select|with|from|values|pivot|unpivot|summarize|describe|show|table|explain|"
    r"create|drop|insert|update|delete|alter|copy|attach|detach|export|import|install|load|"
    r"set|reset|pragma|call|checkpoint|begin|commit|rollback|use|merge|truncate|vacuum|analyze)\b",
    re.I,
)


@dataclass
class Reply:
    """Text for the user. kind: 'text' (an answer such as a chart or help: stdout when piped),
    'info' (status such as "format: csv"), 'error' or 'hint' (the 'tips:' after an error)."""

    kind: str
    text: str


@dataclass
class State:
    catalog: Catalog
    named: dict[str, questions.Question]
    fmt: str = "table"
    timeout: float = engine.DEFAULT_TIMEOUT
    width: int = 100
    max_rows: int = 40
    last: engine.Result | None = None
    context: Any = None  # the last interpreted question, for follow-ups
    history: list[str] = field(default_factory=list)
    done: bool = False


COMMANDS: dict[str, tuple[Callable, str, str]] = {}


def command(*names: str, usage: str = "", help: str = ""):
    """Register a meta-command under each name; the registry also builds `\\?`."""

    def wrap(fn: Callable) -> Callable:
        for name in names:
            COMMANDS[name] = (fn, usage or names[0], help)
        return fn

    return wrap


def is_sql(text: str) -> bool:
    """True when the input starts with a SQL keyword (then it runs at its closing ';').

    A misspelt first keyword ("selec … ;") still counts when the input ends like SQL, so that the
    validator can say what is wrong instead of the question parser finding nothing.
    """
    if SQL_START.match(text):
        return True
    first = re.match(r"\s*([A-Za-z]+)\s", text)
    return bool(
        first
        and text.rstrip().endswith(";")
        and difflib.get_close_matches(
            first.group(1).lower(), ["select", "with", "from"], cutoff=0.75
        )
    )


def is_complete(text: str) -> bool:
    """True when the buffer should run on Enter: meta-command, question, or SQL ending with ';'."""
    stripped = text.strip()
    if not stripped or stripped[0] in ".\\" or not is_sql(stripped):
        return True
    return stripped.endswith(";")


def handle(state: State, text: str) -> list[engine.Result | Reply]:
    """Run one input (SQL, meta-command, named or Swedish question); never raises for user input."""
    text = text.strip()
    if not text:
        return []
    state.history.append(text)
    try:
        if text[0] in ".\\":
            return _meta(state, text)
        if is_sql(text):
            sql = text[:-1] if text.endswith(";") else text
            result = engine.run(state.catalog, sql, timeout=state.timeout, max_rows=None)
            state.last = result
            return [result]
        return _question(state, text)
    except KsqueryError as err:
        reply: list[engine.Result | Reply] = [Reply("error", f"fel: {err}")]
        if err.hint:
            reply.append(Reply("hint", f"tips: {err.hint}"))
        return reply
    except Exception as err:  # noqa: BLE001 - the session goes on whatever happens
        return [Reply("error", f"fel: internt fel ({type(err).__name__}: {str(err)[:160]})")]


def _question(state: State, text: str) -> list[engine.Result | Reply]:
    word, _, rest = text.partition(" ")
    if word in state.named:
        try:
            parts = shlex.split(rest)  # post="Köp av tjänster" keeps its spaces
        except ValueError as err:
            raise KsqueryError(f"kan inte läsa parametrarna: {err}") from None
        loose = [p for p in parts if "=" not in p]
        if loose:
            raise KsqueryError(
                f"parametern '{safe(loose[0])[:40]}' ska skrivas NAMN=VÄRDE",
                f"t.ex. {word} {state.named[word].params[0].name}=…"
                if state.named[word].params
                else f"frågan {word} har inga parametrar",
            )
        given = dict(p.split("=", 1) for p in parts)
        result = questions.run(state.catalog, state.named[word], given, timeout=state.timeout)
        state.last = result
        state.context = {"question": word, "params": dict(result.params)}  # for "och 2027?"
        return [result]
    from ksquery import ask

    if ask.wants_chart(text) and state.last is not None:
        return [Reply("text", output.chart(state.last, width=state.width))]
    result = ask.answer(
        state.catalog, state.named, text, {}, timeout=state.timeout, context=state.context
    )
    state.context = ask.last_context(result)
    state.last = result
    return [Reply("info", n) for n in result.notes] + [result]


def _meta(state: State, text: str) -> list[engine.Result | Reply]:
    name, _, arg = text[1:].partition(" ")
    name = name.lower()
    if name not in COMMANDS:
        hint = difflib.get_close_matches(name, list(COMMANDS), n=1)
        prefix = text[0]  # answer in the user's own spelling: \x or .x
        raise KsqueryError(
            f"okänt kommando {prefix}{safe(name)[:30]}"
            + (f" — menade du {prefix}{hint[0]}?" if hint else ""),
            "skriv \\? för att se alla kommandon",
        )
    return COMMANDS[name][0](state, arg.strip())


@command("?", "help", "hjälp", usage=".help", help="visa den här hjälpen")
def _help(state: State, arg: str) -> list:
    seen, lines = (
        set(),
        [
            "Skriv SQL (avsluta med ;), en fråga på svenska eller ett frågenamn. "
            "Kommandon (. eller \\):"
        ],
    )
    for fn, usage, text in COMMANDS.values():
        if fn in seen:
            continue
        seen.add(fn)
        names = [f".{n}" for n, v in COMMANDS.items() if v[0] is fn]
        lines.append(f"  {usage:<26} {text}  ({', '.join(names)})")
    lines.append(
        "Tab kompletterar tabeller, kolumner, frågor och parametrar. Ctrl-R söker i historiken,"
        " Ctrl-C avbryter, Ctrl-D avslutar."
    )
    return [Reply("text", "\n".join(lines))]


@command("tables", "tabeller", "dt", usage=".tables", help="lista tabellerna")
def _tables(state: State, arg: str) -> list:
    from ksquery import inventory

    return [inventory.tables(state.catalog)]


@command("describe", "d", "beskriv", usage=".describe TABELL", help="visa en tabells kolumner")
def _describe(state: State, arg: str) -> list:
    from ksquery import inventory

    return [inventory.describe(state.catalog, arg, ".describe")]


@command("questions", "frågor", "q", usage=".questions", help="lista de namngivna frågorna")
def _questions(state: State, arg: str) -> list:
    from ksquery import inventory

    return [inventory.question_list(state.named, arg)]


@command("format", usage=".format table|csv|json|md", help="byt utdataformat")
def _format(state: State, arg: str) -> list:
    if arg not in output.FORMATS or arg == "xlsx":
        raise KsqueryError(
            f"okänt format '{safe(arg)}'",
            "välj table, csv, json eller md (xlsx via .export FIL.xlsx)",
        )
    state.fmt = arg
    return [Reply("info", f"format: {arg}")]


@command("timeout", "tidsgräns", usage=".timeout SEKUNDER", help="sätt tidsgränsen per fråga")
def _timeout(state: State, arg: str) -> list:
    try:
        value = float(arg.replace(",", "."))
    except ValueError:
        raise KsqueryError(
            f"tidsgränsen ska vara ett antal sekunder, fick '{safe(arg)[:20]}'"
        ) from None
    if not 0.1 <= value <= 3600:
        raise KsqueryError("tidsgränsen ska vara mellan 0,1 och 3600 sekunder")
    state.timeout = value
    return [Reply("info", f"tidsgräns: {value:g} s".replace(".", ","))]


@command("export", usage=".export FIL[.csv|.json|.md|.xlsx]", help="spara senaste svaret till fil")
def _export(state: State, arg: str) -> list:
    if state.last is None:
        raise KsqueryError("inget svar att spara ännu")
    if not arg:
        raise KsqueryError("ange ett filnamn, t.ex. .export risker.xlsx")
    path = Path(arg).expanduser()
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"txt": "table", "markdown": "md"}.get(suffix, suffix)
    if fmt not in output.FORMATS:
        raise KsqueryError(
            f"okänd filändelse '.{safe(suffix)}'", "använd .csv, .json, .md, .txt eller .xlsx"
        )
    try:
        if fmt == "xlsx":
            output.write_xlsx(state.last, path)
        else:
            path.write_text(output.render(state.last, fmt, max_rows=None) + "\n", encoding="utf-8")
    except OSError as err:
        raise KsqueryError(f"kunde inte skriva {safe(str(path))}: {os_reason(err)}") from None
    return [Reply("info", f"sparade {state.last.row_count} rader i {path}")]


@command("chart", "diagram", usage=".chart", help="rita senaste svaret som diagram")
def _chart(state: State, arg: str) -> list:
    if state.last is None:
        raise KsqueryError("inget svar att rita ännu")
    spec = arg or None
    return [Reply("text", output.chart(state.last, width=state.width, spec=spec))]


@command("sql", usage=".sql", help="visa SQL:en bakom senaste svaret")
def _sql(state: State, arg: str) -> list:
    if state.last is None or not state.last.sql:
        raise KsqueryError("inget svar ännu")
    params = ", ".join(f"${k} = {v!r}" for k, v in state.last.params.items())
    return [Reply("text", state.last.sql + (f"\n-- parametrar: {params}" if params else ""))]


@command("history", "historik", usage=".history", help="visa de senaste inmatningarna")
def _history(state: State, arg: str) -> list:
    start = max(0, len(state.history) - 20)
    recent = enumerate(state.history[start:], start + 1)
    return [Reply("text", "\n".join(f"{i:>3}  {h}" for i, h in recent))]


@command("check", "granska", usage=".check", help="granska dokumentets summor och påståenden")
def _check(state: State, arg: str) -> list:
    from ksquery import inventory
    from ksquery.audit import audit

    return [inventory.findings(audit(state.catalog))]


@command("quit", "exit", "q!", "avsluta", usage=".quit", help="avsluta (eller Ctrl-D)")
def _quit(state: State, arg: str) -> list:
    state.done = True
    return []


# --- the terminal -------------------------------------------------------------------------

SQL_KEYWORDS = (
    "SELECT FROM WHERE GROUP BY ORDER HAVING LIMIT JOIN LEFT INNER ON USING AS AND OR NOT "
    "IN IS NULL DISTINCT COUNT SUM AVG MIN MAX WITH UNION ALL CASE WHEN THEN ELSE END "
    "BETWEEN LIKE ILIKE COLLATE DESC ASC PIVOT"
).split()


def completions(state: State, before: str) -> list[tuple[str, int, str]]:
    """What Tab offers for the text before the cursor: (text, start offset, note), by context —
    a command, a table after .describe, a parameter's allowed values after `namn=`, parameter
    names after a question id, SQL words and the columns of the tables in the statement, or
    question ids at the start of a line."""
    stripped = before.lstrip()
    if stripped.startswith((".", "\\")):
        name, space, arg = stripped[1:].partition(" ")
        if not space:
            return [
                (stripped[0] + c, -len(stripped), "kommando")
                for c in COMMANDS
                if c.startswith(name.lower())
            ]
        if name.lower() in ("describe", "d", "beskriv"):
            return [
                (t, -len(arg), "tabell") for t in state.catalog.tables if t.startswith(arg.lower())
            ]
        return []
    first = stripped.split(" ", 1)[0]
    question = state.named.get(first)
    if question and " " in stripped:
        value = re.search(r"(\w+)=(\"[^\"]*|[^\s\"]*)$", before)
        if value:  # allowed values of that parameter, quoted when they hold spaces
            param = question.param(value.group(1))
            typed = value.group(2).lstrip('"').lower()
            choices = questions.choices_for(state.catalog, param) if param else None
            return [
                (f'"{c}"' if " " in c else c, -len(value.group(2)), param.name)
                for c in choices or []
                if param and c.lower().startswith(typed)
            ]
        word = _last_word(before, r"\w*")
        return [
            (p.name + "=", -len(word), p.label or p.type)
            for p in question.params
            if p.name.startswith(word) and f"{p.name}=" not in before
        ]
    word = _last_word(before, r"[\w$]*")
    low = word.lower().lstrip("$")
    out: list[tuple[str, str]] = []
    if is_sql(stripped):
        tables = state.catalog.tables
        mentioned = [
            t for t in tables.values() if re.search(rf"\b{re.escape(t.name)}\b", before, re.I)
        ]
        owners: dict[str, list[str]] = {}
        for t in mentioned or tables.values():
            for c in t.columns:
                owners.setdefault(c.name, []).append(t.name)
        out += [(n, "kolumn i " + ", ".join(ts)) for n, ts in owners.items()]
        out += [(n, "tabell") for n in tables]
        out += [(kw, "SQL") for kw in SQL_KEYWORDS]
    elif " " not in stripped:
        out += [(q.id, q.title) for q in state.named.values()]
    return [
        (cand, -len(word.lstrip("$")), note)
        for cand, note in out
        if cand.lower().startswith(low) and cand.lower() != low
    ]


def _last_word(text: str, pattern: str) -> str:
    match = re.search(f"({pattern})$", text)
    return match.group(1) if match else ""


def _completer(state: State):
    from prompt_toolkit.completion import Completer, Completion

    class CatalogCompleter(Completer):
        def get_completions(self, document, complete_event):
            for text, start, note in completions(state, document.text_before_cursor):
                yield Completion(text, start_position=start, display_meta=note)

    return CatalogCompleter()


def run_script(state: State, text: str) -> int:
    """Run piped input (`ksquery < frågor.txt`) as the REPL would, without a terminal.

    Lines are inputs; SQL continues over lines until its ';'. Answers go to stdout, errors to
    stderr; returns 2 if any input failed, else 0.
    """
    failed = False
    buffer = ""
    for line in text.splitlines() + [""]:
        buffer = f"{buffer}\n{line}" if buffer else line
        if line and not is_complete(buffer):
            continue
        for item in handle(state, buffer):
            if isinstance(item, Reply):
                failed |= item.kind == "error"
                print(safe(item.text), file=sys.stdout if item.kind == "text" else sys.stderr)
            else:
                print(output.render(item, state.fmt, width=state.width, max_rows=None))
        buffer = ""
        if state.done:
            break
    return 2 if failed else 0


def start(
    data: str | None = None,
    timeout: float = engine.DEFAULT_TIMEOUT,
    fmt: str = "table",
    interactive: bool | None = None,
) -> int:
    """Open the REPL (or run piped input when stdin is not a terminal); return the exit code."""
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        state = State(open_catalog(data), questions.load_all(), fmt=fmt, timeout=timeout)
        return run_script(state, sys.stdin.read())
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from prompt_toolkit.lexers import PygmentsLexer
    from prompt_toolkit.shortcuts import print_formatted_text
    from pygments.lexers.sql import SqlLexer

    catalog = open_catalog(data)
    state = State(
        catalog, questions.load_all(), fmt=fmt if fmt != "xlsx" else "table", timeout=timeout
    )
    history_path = user_dir("state") / "history"
    history_path.parent.mkdir(parents=True, exist_ok=True)
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event):
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add(Keys.Vt100MouseEvent)
    def _ignore_mouse(event):
        # The REPL has no mouse support; escape bytes typed or pasted that look like a mouse
        # report must not reach prompt_toolkit's handler (it raises on malformed ones).
        return None

    title = catalog.dictionary.meta.get("title", catalog.data_dir.name)

    def toolbar():
        return (
            f" {title} · format: {state.fmt} · tidsgräns: {state.timeout:g} s"
            " · \\? hjälp · Ctrl-D avslutar"
        )

    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history_path)),
        lexer=PygmentsLexer(SqlLexer),
        completer=_completer(state),
        complete_while_typing=False,
        key_bindings=bindings,
        multiline=True,
        bottom_toolbar=toolbar,
        prompt_continuation=lambda width, line, soft: "...> ".rjust(width),
    )
    print_formatted_text(
        FormattedText(
            [
                ("bold", f"ksquery — {title}"),
                ("", "\nSkriv \\? för hjälp, .questions för frågorna, Ctrl-D för att avsluta."),
            ]
        )
    )
    while not state.done:
        try:
            text = session.prompt("ksquery> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        state.width = shutil.get_terminal_size((100, 24)).columns
        try:
            replies = handle(state, text)
        except KeyboardInterrupt:
            replies = [Reply("error", "fel: avbrutet")]
        for item in replies:
            if isinstance(item, Reply):
                style = "ansired" if item.kind == "error" else ""
                print_formatted_text(FormattedText([(style, safe(item.text))]))
            else:
                print(output.render(item, state.fmt, width=state.width, max_rows=state.max_rows))
    return 0
