"""The REPL's terminal: prompt_toolkit, completion, the pager, the editor. The loop body
`handle(state, text)` and the special commands live in commands.py, shared with the CLI.

This is the only module that imports prompt_toolkit, and only inside `start()` and the
completer, so that `handle` and one-shot commands stay fast and testable without a terminal.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from ksquery import engine, questions
from ksquery.catalog import EarlyOpen, open_catalog, user_dir
from ksquery.commands import (
    COMMANDS,
    Reply,
    State,
    apply_config,
    deliver,
    handle,
    is_complete,
    is_sql,
    script_inputs,
    split_statements,
)
from ksquery.errors import KsqueryError
from ksquery.output import safe, terminal_text

__all__ = ["COMMANDS", "Reply", "State", "handle", "is_complete", "is_sql", "start"]

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
                (stripped[0] + c, -len(stripped), COMMANDS[c].description)
                for c in COMMANDS
                if c.startswith(name.lower())
            ]
        if COMMANDS.get(name.lower()) is COMMANDS["describe"]:
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
        columns = [(n, "kolumn i " + ", ".join(ts)) for n, ts in owners.items()]
        names = [(n, "tabell") for n in tables]
        # after FROM or JOIN a table comes next: list the tables first
        wants_table = re.search(r"\b(from|join)\s+[\w\"]*$", before, re.I)
        out += names + columns if wants_table else columns + names
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
    inputs = list(script_inputs(text))
    engine.prefetch_checks(
        state.catalog,
        [s for t in inputs if is_sql(t.strip()) for s in split_statements(t.strip())],
    )
    for item_text in inputs:
        for item in handle(state, item_text):
            failed |= isinstance(item, Reply) and item.kind == "error"
            _show(state, item, interactive=False)
        if state.done:
            break
    return 2 if failed else 0


def _show(state: State, item: engine.Result | Reply, interactive: bool) -> None:
    """Print one reply or result: to a `.output`/`.once` file, through the pager, or plainly."""
    if isinstance(item, Reply):
        stream = sys.stdout if item.kind == "text" else sys.stderr
        if interactive:
            from prompt_toolkit.formatted_text import FormattedText
            from prompt_toolkit.shortcuts import print_formatted_text

            style = "ansired" if item.kind == "error" and state.colours else ""
            print_formatted_text(FormattedText([(style, safe(item.text))]))
        else:
            print(safe(item.text), file=stream)
        return
    try:
        note = deliver(state, item)
    except KsqueryError as err:
        print(f"fel: {safe(str(err))}", file=sys.stderr)
        return
    if note is not None:
        _show(state, note, interactive)
    elif state.output_path is None:
        text = _screen_text(state, item, interactive)
        if interactive and state.pager and _taller_than_screen(text, state):
            _page(text)
        else:
            print(text)
    if state.timer:
        _show(
            state,
            Reply("info", f"tid: {item.elapsed * 1000:.1f} ms".replace(".", ",")),
            interactive,
        )


def _screen_text(state: State, result: engine.Result, interactive: bool) -> str:
    """The result as printed: on a terminal nothing raw (csv too, as the CLI does); piped csv
    keeps raw values for the program that reads it."""
    text = state.render(result) if interactive else _render_all(state, result)
    if interactive or state.fmt not in ("csv", "excel-csv") or sys.stdout.isatty():
        text = terminal_text(text, state.fmt)
    return text


def _render_all(state: State, result: engine.Result) -> str:
    limit, state.max_rows = state.max_rows, None  # piped output is for reading whole
    try:
        return state.render(result)
    finally:
        state.max_rows = limit


def _taller_than_screen(text: str, state: State) -> bool:
    return text.count("\n") + 2 > state.height  # tables already wrap to the width


def _page(text: str) -> None:
    """Show text in $PAGER (default less -S: wide rows scroll sideways instead of wrapping)."""
    import subprocess  # here, not before the prompt (~5 ms)

    command = shlex.split(os.environ.get("PAGER") or "less -S")
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        subprocess.run(command, input=text, text=True, env=env, check=False)
    except OSError:
        print(text)


def _edit(text: str) -> str:
    """Open text in $VISUAL or $EDITOR (default vi) and return what the user saved."""
    import subprocess
    import tempfile

    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fråga.sql"
        path.write_text(text, encoding="utf-8")
        try:
            subprocess.run([*editor, str(path)], check=False)
        except OSError as err:
            print(f"fel: kunde inte starta {editor[0]}: {err.strerror}", file=sys.stderr)
            return text
        return path.read_text(encoding="utf-8").strip()


class _Colouring:
    """SQL colouring that is built once the first prompt is on the screen: pygments and its SQL
    lexer cost ~13 ms, and the prompt needs no colours before anything is typed."""

    def __init__(self) -> None:
        self._lexer: Any = None
        self._started = False

    def lexer(self):
        return self._lexer

    def start(self, app) -> None:
        """after_render handler: build the lexer in the event loop, once, then redraw. (It stays
        registered: removing a handler while the event fires would skip the next one.)"""
        if self._started:
            return
        self._started = True
        import asyncio

        asyncio.get_running_loop().call_soon(self._build, app)

    def _build(self, app) -> None:
        from prompt_toolkit.lexers import PygmentsLexer
        from pygments.lexers.sql import SqlLexer

        self._lexer = PygmentsLexer(SqlLexer)
        app.invalidate()


def start(
    data: str | None = None,
    timeout: float = engine.DEFAULT_TIMEOUT,
    fmt: str = "table",
    interactive: bool | None = None,
    early: EarlyOpen | None = None,
) -> int:
    """Open the REPL (or run piped input when stdin is not a terminal); return the exit code."""
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        text = sys.stdin.read()
        if is_sql(next(script_inputs(text), "")):
            # The validator (sqlglot, ~50 ms of imports) loads while the database opens on the
            # start-up thread, not after it.
            from ksquery import validate  # noqa: F401
        state = State(open_catalog(data, early), questions.Catalogue(), fmt=fmt, timeout=timeout)
        return run_script(state, text)
    # The database is being opened on a helper thread (see cli.entry) while prompt_toolkit imports.
    catalog = open_catalog(data, early)
    from prompt_toolkit import PromptSession, search
    from prompt_toolkit.filters import is_searching
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from prompt_toolkit.lexers import DynamicLexer
    from prompt_toolkit.shortcuts import print_formatted_text

    # The named questions are read at their first use (an input, Tab, \\?), not before the prompt.
    state = State(catalog, questions.Catalogue(), timeout=timeout, pager=sys.stdout.isatty())
    notes = apply_config(state)
    if fmt != "table":  # the command line wins over the settings file
        state.fmt = fmt if fmt != "xlsx" else "table"
    if timeout != engine.DEFAULT_TIMEOUT:
        state.timeout = timeout
    history_path = user_dir("state") / "history"
    history_path.parent.mkdir(parents=True, exist_ok=True)
    bindings = KeyBindings()

    @bindings.add("enter", filter=~is_searching)
    def _enter(event):
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("enter", filter=is_searching, eager=True)
    def _accept_search(event):
        # Ctrl-R, then Enter: take the found line and run it, as readline does.
        search.accept_search()
        buffer = event.app.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()

    @bindings.add(Keys.BracketedPaste)
    def _paste(event):
        # A pasted statement ending with ';' and a newline runs, as if Enter had been pressed.
        data = event.data.replace("\r\n", "\n").replace("\r", "\n")
        buffer = event.current_buffer
        buffer.insert_text(data)
        if data.endswith("\n") and buffer.text.strip() and is_complete(buffer.text):
            buffer.text = buffer.text.rstrip("\n")
            buffer.validate_and_handle()

    @bindings.add(Keys.Vt100MouseEvent)
    def _ignore_mouse(event):
        # The REPL has no mouse support; escape bytes typed or pasted that look like a mouse
        # report must not reach prompt_toolkit's handler (it raises on malformed ones).
        return None

    title = catalog.dictionary.meta.get("title", catalog.data_dir.name)

    def toolbar():
        view = {"on": " · \\x", "auto": " · \\x auto"}.get(state.expanded, "")
        return (
            f" {title} · format: {state.fmt}{view} · tidsgräns: {state.timeout:g} s"
            " · \\? hjälp · Ctrl-D avslutar"
        )

    colouring = _Colouring()
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history_path)),
        lexer=DynamicLexer(colouring.lexer) if state.colours else None,
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
    for note in notes:
        _show(state, note, interactive=True)
    if state.colours:
        session.app.after_render += colouring.start
    default = ""
    while not state.done:
        try:
            text = session.prompt("ksquery> ", default=default)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        default = ""
        size = shutil.get_terminal_size((100, 24))
        state.width, state.height = size.columns, size.lines
        try:
            replies = handle(state, text)
        except KeyboardInterrupt:
            replies = [Reply("error", "fel: avbrutet")]
        for item in replies:
            if isinstance(item, Reply) and item.kind == "edit":
                default = _edit(item.text)  # the edited query waits at the prompt for Enter
            else:
                _show(state, item, interactive=True)
    return 0
