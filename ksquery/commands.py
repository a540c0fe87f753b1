"""One command layer for both front ends: the session state, the REPL's loop body `handle`, and a
registry of special commands (`.tables`, `\\x`, `.export` …) that help, completion and dispatch
all read. The `ksquery` subcommands call the same operations (`tables`, `describe`,
`questions_reply`, `check_reply`), so each is rendered in one place.

Nothing here prints or touches the terminal: operations return Results and Replies.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ksquery import engine, output, questions
from ksquery.catalog import Catalog
from ksquery.errors import KsqueryError, did_you_mean, os_reason
from ksquery.output import safe

SQL_START = re.compile(
    r"^\s*(\(|select|with|from|values|pivot|unpivot|summarize|describe|show|table|explain|"
    r"create|drop|insert|update|delete|alter|copy|attach|detach|export|import|install|load|"
    r"set|reset|pragma|call|checkpoint|begin|commit|rollback|use|merge|truncate|vacuum|analyze)\b",
    re.I,
)
_LEADING_COMMENTS = re.compile(r"^(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*\s*", re.S)
_PARAM_USE = re.compile(r"\$([^\W\d]\w*)")


@dataclass
class Reply:
    """Text for the user. kind: 'text' (an answer such as a chart or help: stdout when piped),
    'info' (status such as "format: csv"), 'error', 'hint' (the 'tips:' after an error), or
    'edit' (text for the front end to open in the user's editor)."""

    kind: str
    text: str


@dataclass
class State:
    """One session: the catalog, the settings the special commands change, the last answer."""

    catalog: Catalog
    named: Mapping[str, questions.Question]  # a questions.Catalogue: read at first use
    fmt: str = "table"
    timeout: float = engine.DEFAULT_TIMEOUT
    width: int = 100
    height: int = 24
    max_rows: int | None = 40  # .maxrows; None shows every row
    expanded: str = "off"  # \x: off, on or auto (vertical when a table is wider than the screen)
    nullvalue: str = output.NULL
    pager: bool = False  # the terminal front end turns it on for a tty
    timer: bool = False
    colours: bool = True
    params: dict[str, Any] = field(default_factory=dict)  # \set: bound to ad hoc SQL
    output_path: Path | None = None  # .output FIL: every result goes there
    once_path: Path | None = None  # .once FIL: the next result goes there
    last: engine.Result | None = None
    last_input: str = ""  # the last SQL or question typed, for \e and .save
    context: Any = None  # the last interpreted question, for follow-ups
    history: list[str] = field(default_factory=list)
    done: bool = False

    def vertical(self, result: engine.Result) -> bool:
        """Whether this result is shown one row per block (\\x on, or \\x auto and too wide)."""
        if self.expanded == "on":
            return True
        return (
            self.expanded == "auto"
            and len(result.columns) > 2
            and output.natural_width(result, self.max_rows) > self.width
        )

    def render(self, result: engine.Result, fmt: str | None = None) -> str:
        """The result as text in the session's format, row limit, NULL marker and layout."""
        return output.render(
            result,
            fmt or self.fmt,
            width=self.width,
            max_rows=self.max_rows,
            null=self.nullvalue,
            vertical=self.vertical(result),
        )


@dataclass(frozen=True)
class Command:
    name: str
    fn: Callable[[State, str], list]
    description: str
    usage: str
    shortcut: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *((self.shortcut,) if self.shortcut else ()), *self.aliases)


COMMANDS: dict[str, Command] = {}  # every name, shortcut and alias -> its Command


def special_command(
    name: str,
    shortcut: str | None = None,
    description: str = "",
    aliases: tuple[str, ...] = (),
    usage: str = "",
):
    """Register a special command; the one table feeds dispatch, `\\?` and Tab completion."""

    def wrap(fn: Callable[[State, str], list]) -> Callable[[State, str], list]:
        command = Command(name, fn, description, usage or f".{name}", shortcut, aliases)
        for each in command.names:
            COMMANDS[each] = command
        return fn

    return wrap


def unique_commands() -> list[Command]:
    """Each registered command once, in the order of registration."""
    seen: list[Command] = []
    for command in COMMANDS.values():
        if command not in seen:
            seen.append(command)
    return seen


# --- what the input is -----------------------------------------------------------------------


def strip_leading_comments(text: str) -> str:
    """The text after any leading `--` and `/* */` comments."""
    return text[_LEADING_COMMENTS.match(text).end() :]  # type: ignore[union-attr]


def is_sql(text: str) -> bool:
    """True when the input is SQL (then it runs at its closing ';'): it starts with a SQL keyword,
    possibly after comments, or is only a comment so far (a pasted query's first line).

    A misspelt first keyword ("selec … ;") still counts when the input ends like SQL, so that the
    validator can say what is wrong instead of the question parser finding nothing.
    """
    if re.match(r"\s*(--|/\*)", text):
        return True
    if SQL_START.match(text):
        return True
    first = re.match(r"\s*([A-Za-z]+)\s", text)
    return bool(
        first
        and text.rstrip().endswith(";")
        and did_you_mean(first.group(1), ["select", "with", "from"], cutoff=0.75)
    )


def is_complete(text: str) -> bool:
    """True when the buffer should run on Enter: special command, question, or SQL ending with
    ';' (a trailing comment after the ';' is allowed)."""
    stripped = text.strip()
    if not stripped or stripped[0] in ".\\" or not is_sql(stripped):
        return True
    parts, closed = _scan(stripped)
    return closed and any(strip_leading_comments(p).strip() for p in parts)


# What the statement splitter tells apart: strings ('' or "" inside them doubled; an unclosed one
# runs to the end), comments (-- to the line's end, /* */ or to the end), ';', blanks, other text.
_PIECES = re.compile(
    r"""(?P<string>'[^']*(?:''[^']*)*'?|"[^"]*(?:""[^"]*)*"?)"""
    r"|(?P<comment>--[^\n]*\n?|/\*(?:.*?\*/|.*))"
    r"|(?P<end>;)|(?P<blank>\s+)|(?P<text>[^'\";\s/-]+|.)",
    re.S,
)


def _scan(text: str) -> tuple[list[str], bool]:
    """The pieces between ';' outside strings and comments, and whether the last one is closed
    (a ';' with only blanks and comments after it)."""
    parts: list[str] = []
    start, closed = 0, False
    for match in _PIECES.finditer(text):
        kind = match.lastgroup
        if kind == "end":
            parts.append(text[start : match.start()])
            start, closed = match.end(), True
        elif kind == "string" or kind == "text":
            closed = False
    parts.append(text[start:])
    return parts, closed


def split_statements(text: str) -> list[str]:
    """The statements of a script, split at ';' outside strings and comments; comment-only
    pieces are dropped, each statement keeps its own leading comments."""
    return [p.strip() for p in _scan(text)[0] if strip_leading_comments(p).strip()]


def script_inputs(text: str) -> Iterator[str]:
    """The inputs of a script (piped input, `.read`): special commands and questions one line
    each, SQL from its first line to its closing ';'."""
    buffer = ""
    for line in text.splitlines() + [""]:
        buffer = f"{buffer}\n{line}" if buffer else line
        if line and not is_complete(buffer):
            continue
        if buffer.strip():
            yield buffer
        buffer = ""


def file_questions(path: Path) -> list[questions.Question]:
    """What `ksquery run` runs for one file: a named question as one, a plain SQL file's
    statements one each, as FILE#1, FILE#2 … titled by their own leading comment (the first by
    the file's); raise QuestionError for a file that does not parse."""
    question = questions.parse_file(path)
    text = path.read_text(encoding="utf-8")
    statements = split_statements(question.sql)
    if questions.has_header(text) or len(statements) < 2:
        return [question]
    found = []
    for number, statement in enumerate(statements, 1):
        piece = questions.parse_text(statement, path.with_name(f"{path.stem}#{number}.sql"))
        title = questions.title_of(statement) or (question.title if number == 1 else piece.id)
        found.append(replace(piece, title=title, path=path))
    return found


# --- the loop body ---------------------------------------------------------------------------


def handle(state: State, text: str) -> list[engine.Result | Reply]:
    """Run one input (SQL, special command, named or Swedish question); never raises for user
    input. Several SQL statements run one after the other; lines of special commands followed by
    more input (a pasted `.sql` output) run line by line."""
    text = text.strip()
    if not text:
        return []
    state.history.append(text)
    try:
        if text[0] in ".\\":
            first, _, rest = text.partition("\n")
            replies = _special(state, first.strip())
            return replies + (handle(state, rest) if rest.strip() and not state.done else [])
        if is_sql(text):
            out: list[engine.Result | Reply] = []
            for statement in split_statements(text):
                state.last_input = statement
                out.append(run_sql(state, statement))
            return out
        state.last_input = text
        return _question(state, text)
    except KsqueryError as err:
        return error_replies(err)
    except Exception as err:  # noqa: BLE001 - the session goes on whatever happens
        return [Reply("error", f"fel: internt fel ({type(err).__name__}: {str(err)[:160]})")]


def error_replies(err: KsqueryError) -> list[engine.Result | Reply]:
    """The 'fel:' line and the 'tips:' line of an error."""
    reply: list[engine.Result | Reply] = [Reply("error", f"fel: {err}")]
    if err.hint:
        reply.append(Reply("hint", f"tips: {err.hint}"))
    return reply


def run_sql(state: State, sql: str) -> engine.Result:
    """Run one ad hoc statement with the session's `\\set` parameters that it uses."""
    used = set(_PARAM_USE.findall(questions._strip_literals(sql)))
    missing = sorted(used - set(state.params))
    if missing:
        raise KsqueryError(
            f"parametern ${missing[0]} har inget värde",
            f"sätt den med \\set {missing[0]} VÄRDE (.param visar de satta)",
        )
    params = {k: v for k, v in state.params.items() if k in used}
    result = engine.run(state.catalog, sql, params or None, timeout=state.timeout)
    if params:
        result = result.with_meta(params=params)
    state.last = result
    return result


def _question(state: State, text: str) -> list[engine.Result | Reply]:
    word, _, rest = text.partition(" ")
    if word in state.named:
        try:
            parts = shlex.split(rest)  # post="Köp av tjänster" keeps its spaces
        except ValueError as err:
            raise KsqueryError(f"kan inte läsa parametrarna: {err}") from None
        # Only `id namn=värde …` runs the question directly; "kommunbidrag 2025" is a question
        # in Swedish that happens to start with an id, read as `ksquery ask` reads it.
        if all("=" in p for p in parts):
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


def _special(state: State, text: str) -> list[engine.Result | Reply]:
    name, _, arg = text[1:].partition(" ")
    name = name.lower()
    if name not in COMMANDS:
        hint = did_you_mean(name, COMMANDS)
        prefix = text[0]  # answer in the user's own spelling: \x or .x
        raise KsqueryError(
            f"okänt kommando {prefix}{safe(name)[:30]}"
            + (f" — menade du {prefix}{hint[0]}?" if hint else ""),
            "skriv \\? för att se alla kommandon",
        )
    return COMMANDS[name].fn(state, arg.strip())


# --- operations both front ends use ----------------------------------------------------------


def questions_reply(named: Mapping[str, questions.Question], fmt: str, word: str = "") -> Any:
    """The catalogue of named questions: JSON with every detail, or a Result for the others."""
    if fmt == "json":
        return Reply(
            "text",
            json.dumps(
                [
                    {
                        "id": q.id,
                        "title": q.title,
                        "description": q.description,
                        "aliases": list(q.aliases),
                        "source": q.source,
                        "params": [p.describe() for p in q.params],
                    }
                    for q in named.values()
                    if not word or word.lower() in (q.id + q.title + " ".join(q.aliases)).lower()
                ],
                ensure_ascii=False,
            ),
        )
    from ksquery import inventory

    return inventory.question_list(dict(named), word)


def check_reply(catalog: Catalog, fmt: str) -> tuple[Any, bool]:
    """The audit's findings (JSON, or a Result), and whether there were any."""
    from ksquery.audit import audit

    found = audit(catalog)
    if fmt == "json":
        payload = {"findings": [f.as_dict() for f in found]}
        return Reply("text", json.dumps(payload, ensure_ascii=False, default=str)), bool(found)
    from ksquery import inventory

    return inventory.findings(found), bool(found)


def export(
    result: engine.Result,
    path: Path,
    fmt: str | None = None,
    force: bool = False,
    catalog: Catalog | None = None,
) -> str:
    """Write a result to a file in the format its suffix names (or `fmt`); return the format."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = fmt or {"txt": "table", "markdown": "md", "csv": "excel-csv"}.get(suffix, suffix)
    if fmt not in output.FORMATS:
        raise KsqueryError(
            f"okänd filändelse '.{safe(suffix)}'", "använd .csv, .json, .md, .txt eller .xlsx"
        )
    from ksquery.exports import safe_target

    if catalog is None:
        raise TypeError("an export needs the catalog to know what it must not overwrite")
    path = safe_target(path, catalog, force)
    try:
        if fmt == "xlsx":
            output.write_xlsx(result, path)
        else:
            text = output.render(result, fmt, max_rows=None)
            with path.open("w", encoding="utf-8", newline="") as f:
                f.write(text + ("" if text.endswith("\n") else "\n"))
    except OSError as err:
        raise KsqueryError(f"kunde inte skriva {safe(str(path))}: {os_reason(err)}") from None
    return fmt


def deliver(state: State, result: engine.Result) -> Reply | None:
    """Send a result to the `.once` or `.output` file when one is set; None means show it."""
    path = state.once_path or state.output_path
    if path is None:
        return None
    once = state.once_path is not None
    state.once_path = None
    if once:
        fmt = export(result, path, force=True, catalog=state.catalog)
        return Reply("info", f"skrev {result.row_count} rader i {path} ({fmt})")
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(output.render(result, state.fmt, max_rows=None, null=state.nullvalue) + "\n")
    except OSError as err:
        raise KsqueryError(f"kunde inte skriva {safe(str(path))}: {os_reason(err)}") from None
    return None


# --- the special commands, in the order a new user needs them --------------------------------


@special_command("help", "?", "visa den här hjälpen", ("hjälp",), usage="\\?")
def _help(state: State, arg: str) -> list:
    lines = [
        "Skriv SQL (avsluta med ;), en fråga på svenska eller ett frågenamn."
        " Kommandon (. eller \\):"
    ]
    for command in unique_commands():
        spelled = [("\\" if len(n) <= 2 else ".") + n for n in command.names]
        others = ", ".join(n for n in spelled if n not in command.usage.split())
        lines.append(
            f"  {command.usage:<28} {command.description}" + (f"  ({others})" if others else "")
        )
    lines.append(
        "Tab kompletterar tabeller, kolumner, frågor och parametrar. Ctrl-R söker i historiken,"
        " Ctrl-C avbryter, Ctrl-D avslutar."
    )
    lines += _examples(state)
    return [Reply("text", "\n".join(lines))]


def _examples(state: State) -> list[str]:
    """Example inputs made from the loaded data set: its first table and named question."""
    table = next(iter(state.catalog.tables), None)
    question = next(iter(state.named.values()), None)
    shown = []
    if table:
        shown += [f"SELECT * FROM {table} LIMIT 5;", f".describe {table}"]
    if question:
        shown.append(question.id)
        if question.aliases:
            shown.append(question.aliases[0])
    return ["Exempel: " + "   ".join(safe(s) for s in shown)] if shown else []


@special_command("questions", None, "lista de namngivna frågorna", ("frågor",), ".questions [ORD]")
def _questions(state: State, arg: str) -> list:
    return [questions_reply(state.named, state.fmt, arg)]


@special_command("tables", "dt", "lista tabellerna", ("tabeller",))
def _tables(state: State, arg: str) -> list:
    from ksquery import inventory

    return [inventory.tables(state.catalog)]


@special_command("describe", "d", "visa en tabells kolumner", ("beskriv",), ".describe TABELL")
def _describe(state: State, arg: str) -> list:
    if not arg:
        raise KsqueryError("ange en tabell", "t.ex. .describe " + next(iter(state.catalog.tables)))
    from ksquery import inventory

    return [inventory.describe(state.catalog, arg)]


@special_command("sql", None, "visa SQL:en bakom senaste svaret (med \\set för parametrarna)")
def _sql(state: State, arg: str) -> list:
    if state.last is None or not state.last.sql:
        raise KsqueryError("inget svar ännu")
    sets = [f"\\set {k} {_param_text(v)}" for k, v in state.last.params.items()]
    return [Reply("text", "\n".join([*sets, state.last.sql.rstrip().rstrip(";") + ";"]))]


def _param_text(value: Any) -> str:
    text = str(value)
    return shlex.quote(text) if re.search(r"\s|['\"]", text) or not text else text


@special_command(
    "set", None, "sätt en parameter för egen SQL ($namn)", ("param",), "\\set NAMN VÄRDE"
)
def _set(state: State, arg: str) -> list:
    if not arg:
        if not state.params:
            return [Reply("info", "inga parametrar satta (\\set NAMN VÄRDE)")]
        return [Reply("text", "\n".join(f"${k} = {v!r}" for k, v in state.params.items()))]
    name, _, raw = arg.partition(" ")
    name = name.lstrip("$").rstrip("=")
    if not re.fullmatch(r"[^\W\d]\w*", name):
        raise KsqueryError(f"ogiltigt parameternamn '{safe(name)[:30]}'", "t.ex. \\set min 8")
    try:
        words = shlex.split(raw.strip().removeprefix("=").strip())
    except ValueError as err:
        raise KsqueryError(f"kan inte läsa värdet: {err}") from None
    if not words:
        raise KsqueryError(f"ange ett värde för {name}", f"t.ex. \\set {name} VÄRDE")
    value = " ".join(words)
    state.params[name] = _typed(value)
    return [Reply("info", f"${name} = {state.params[name]!r}")]


def _typed(text: str) -> Any:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+[.,]\d+", text):
        return float(text.replace(",", "."))
    return text


@special_command("unset", None, "ta bort en parameter", usage="\\unset NAMN")
def _unset(state: State, arg: str) -> list:
    if state.params.pop(arg.lstrip("$"), None) is None:
        raise KsqueryError(f"parametern {safe(arg)[:30]} är inte satt")
    return [Reply("info", f"${arg.lstrip('$')} borttagen")]


@special_command("export", None, "spara senaste svaret till fil", usage=".export [excel|rå] FIL")
def _export(state: State, arg: str) -> list:
    return _save_last(state, arg, force=False)


@special_command(
    "export!", None, "som .export men skriver över en befintlig fil", usage=".export! FIL"
)
def _export_force(state: State, arg: str) -> list:
    return _save_last(state, arg, force=True)


def _save_last(state: State, arg: str, force: bool) -> list:
    if state.last is None:
        raise KsqueryError("inget svar att spara ännu")
    words = _words(arg)
    kind = words.pop(0).lower() if len(words) > 1 and words[0].lower() in ("excel", "rå") else ""
    if len(words) != 1:
        raise KsqueryError("ange ett filnamn", "t.ex. .export svar.xlsx eller .export svar.csv")
    path = Path(words[0]).expanduser()
    is_csv = path.suffix.lower() == ".csv"
    fmt = {"rå": "csv", "excel": "excel-csv"}.get(kind) if is_csv else None
    written = export(state.last, path, fmt, force=force, catalog=state.catalog)
    note = ""
    if written == "excel-csv":
        note = " — csv för Excel (semikolon, decimalkomma); rå csv för program: .export rå FIL.csv"
    elif written == "csv":
        note = " — rå csv (komma, decimalpunkt); för Excel: .export FIL.csv"
    return [Reply("info", f"sparade {state.last.row_count} rader i {path}{note}")]


def _words(arg: str) -> list[str]:
    try:
        return shlex.split(arg)
    except ValueError as err:
        raise KsqueryError(f"kan inte läsa argumentet: {err}") from None


@special_command(
    "chart", None, "rita senaste svaret som diagram", ("diagram",), ".chart [bar|line]"
)
def _chart(state: State, arg: str) -> list:
    if state.last is None:
        raise KsqueryError("inget svar att rita ännu")
    return [Reply("text", output.chart(state.last, width=state.width, spec=arg or None))]


@special_command("format", None, "byt utdataformat", usage=".format table|csv|excel-csv|json|md")
def _format(state: State, arg: str) -> list:
    if arg not in output.FORMATS or arg == "xlsx":
        raise KsqueryError(
            f"okänt format '{safe(arg)}'",
            "välj table, csv, excel-csv, json eller md (xlsx via .export FIL.xlsx)",
        )
    state.fmt = arg
    return [Reply("info", f"format: {arg}")]


@special_command(
    "mode", None, "visningsläge: line = en rad per block", usage=".mode line|table|csv|json|md"
)
def _mode(state: State, arg: str) -> list:
    if arg == "line":
        state.fmt, state.expanded = "table", "on"
        return [Reply("info", "visning: en rad per block (.mode table för tabell)")]
    if arg == "table":
        state.expanded = "off"
    return _format(state, arg)


@special_command(
    "x",
    None,
    "lodrät visning: on, off eller auto (när tabellen är för bred)",
    ("expanded",),
    "\\x [on|off|auto]",
)
def _expanded(state: State, arg: str) -> list:
    choice = arg.lower() or ("off" if state.expanded == "on" else "on")
    if choice not in ("on", "off", "auto"):
        raise KsqueryError(
            f"okänt val '{safe(arg)[:20]}'", "skriv \\x, \\x on, \\x off eller \\x auto"
        )
    state.expanded = choice
    return [Reply("info", f"lodrät visning: {choice}")]


def _on_off(arg: str, current: bool, what: str) -> bool:
    if not arg:
        return not current
    if arg.lower() in ("on", "på", "1", "true"):
        return True
    if arg.lower() in ("off", "av", "0", "false"):
        return False
    raise KsqueryError(f"{what} ska vara on eller off, fick '{safe(arg)[:20]}'")


@special_command("maxrows", None, "visa högst N rader i tabellen (0 = alla)", usage=".maxrows N")
def _maxrows(state: State, arg: str) -> list:
    if not arg:
        return [Reply("info", f"maxrader: {state.max_rows or 'alla'}")]
    if not arg.isdigit():
        raise KsqueryError(
            f"maxrader ska vara ett heltal, fick '{safe(arg)[:20]}'", "t.ex. .maxrows 100"
        )
    state.max_rows = int(arg) or None
    return [Reply("info", f"maxrader: {state.max_rows or 'alla'}")]


@special_command("pager", None, "bläddra i långa svar med $PAGER (less -S)", usage=".pager on|off")
def _pager(state: State, arg: str) -> list:
    state.pager = _on_off(arg, state.pager, "pager")
    return [Reply("info", f"pager: {'on' if state.pager else 'off'}")]


@special_command("nullvalue", None, "hur NULL visas (tom text visas tom)", usage=".nullvalue TEXT")
def _nullvalue(state: State, arg: str) -> list:
    state.nullvalue = arg
    return [Reply("info", f"NULL visas som '{arg}'")]


@special_command("timer", None, "visa hur lång tid varje fråga tog", usage=".timer on|off")
def _timer(state: State, arg: str) -> list:
    state.timer = _on_off(arg, state.timer, "timer")
    return [Reply("info", f"timer: {'on' if state.timer else 'off'}")]


@special_command("timeout", None, "sätt tidsgränsen per fråga", ("tidsgräns",), ".timeout SEKUNDER")
def _timeout(state: State, arg: str) -> list:
    value = engine.parse_timeout(arg)
    state.timeout = value
    return [Reply("info", f"tidsgräns: {value:g} s".replace(".", ","))]


@special_command("read", "i", "kör en fil med SQL-satser och kommandon", usage=".read FIL.sql")
def _read(state: State, arg: str) -> list:
    words = _words(arg)
    if len(words) != 1:
        raise KsqueryError("ange en fil", "t.ex. .read rapport.sql")
    path = Path(words[0]).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = os_reason(err) if isinstance(err, OSError) else "inte giltig UTF-8"
        raise KsqueryError(f"kan inte läsa {safe(str(path))}: {reason}") from None
    if re.match(r"\s*--\s*title\s*:", text):  # a named-question file: run it with its defaults
        question = questions.parse_text(text, path)
        result = questions.run(state.catalog, question, {}, timeout=state.timeout)
        state.last = result
        return [result]
    out: list = []
    for item in script_inputs(text):
        out += handle(state, item)
        if state.done:
            break
    return out


@special_command("edit", "e", "redigera senaste frågan i $EDITOR", usage="\\e")
def _edit(state: State, arg: str) -> list:
    text = state.last_input or (state.last.sql if state.last else "")
    if arg:
        path = Path(arg).expanduser()
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return [Reply("edit", text)]


@special_command(
    "save", None, "spara senaste SQL som namngiven fråga i KSQUERY_QUERIES", usage=".save NAMN"
)
def _save(state: State, arg: str) -> list:
    if not re.fullmatch(r"[^\W\d]\w*", arg):
        raise KsqueryError("ange ett namn av bokstäver, siffror och _", "t.ex. .save mina_risker")
    if state.last is None or not state.last.sql:
        raise KsqueryError("ingen fråga att spara ännu")
    home = os.environ.get("KSQUERY_QUERIES")
    if not home:
        raise KsqueryError(
            ".save behöver en egen frågekatalog",
            "sätt KSQUERY_QUERIES till en katalog (kopiera gärna queries/*.sql dit)",
        )
    path = Path(home).expanduser() / f"{arg}.sql"
    if path.exists():
        raise KsqueryError(f"{path} finns redan", "välj ett annat namn")
    text = question_file(state.last, state.named.get(state.last.question or ""), arg)
    questions.parse_text(text, path)  # the file must load as a named question
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise KsqueryError(f"kunde inte skriva {safe(str(path))}: {os_reason(err)}") from None
    if Path(home).expanduser().resolve() == questions.queries_dir().resolve():
        state.named = questions.load_all()
    return [Reply("info", f"sparade frågan {arg} i {path}")]


def question_file(result: engine.Result, question: questions.Question | None, name: str) -> str:
    """A named-question file for the SQL behind `result`: title from the question or the SQL's
    leading comment, parameters kept (a named question's declarations, or typed from values)."""
    sql = result.sql.strip().rstrip(";").strip()
    comment = re.match(r"\s*--\s*(.+)", sql)
    title = question.title if question else (comment.group(1).strip() if comment else name)
    body = strip_leading_comments(sql) if comment and not question else sql
    lines = [
        f"-- title: {title}",
        f"-- description: {question.description if question else 'Sparad från ksquery.'}",
        f"-- aliases: {'; '.join(question.aliases) if question else ''}".rstrip(),
    ]
    if question is not None and question.path is not None:
        lines += [
            line.strip()
            for line in question.path.read_text(encoding="utf-8").splitlines()
            if re.match(r"\s*--\s*param\s*:", line)
        ]
    else:
        kinds = {int: "int", float: "decimal", bool: "bool"}
        for key, value in result.params.items():
            shown = str(value) if not isinstance(value, str) else value.replace("|", " ")
            lines.append(f"-- param: {key} {kinds.get(type(value), 'text')} = {shown}")
    lines.append(f"-- source: {question.source if question else (result.source or 'egen fråga')}")
    return "\n".join(lines) + "\n" + body + ";\n"


@special_command(
    "output", "o", "skicka svaren till en fil (utan fil: till skärmen)", usage=".output [FIL]"
)
def _output(state: State, arg: str) -> list:
    if not arg:
        state.output_path = None
        return [Reply("info", "svaren visas på skärmen igen")]
    target = Path(_words(arg)[0])
    from ksquery.exports import safe_target

    state.output_path = safe_target(target, state.catalog, force=True)
    return [Reply("info", f"svaren skrivs till {state.output_path} (.output utan fil avslutar)")]


@special_command(
    "once", None, "skicka nästa svar till en fil (format av filändelsen)", usage=".once FIL"
)
def _once(state: State, arg: str) -> list:
    if not arg:
        raise KsqueryError("ange en fil", "t.ex. .once svar.xlsx")
    state.once_path = Path(_words(arg)[0]).expanduser()
    return [Reply("info", f"nästa svar skrivs till {state.once_path}")]


@special_command("history", None, "visa de senaste inmatningarna", ("historik",))
def _history(state: State, arg: str) -> list:
    start = max(0, len(state.history) - 20)
    recent = enumerate(state.history[start:], start + 1)
    return [Reply("text", "\n".join(f"{i:>3}  {h}" for i, h in recent))]


@special_command(
    "check", None, "granska dokumentets summor och siffrorna i dess text", ("granska",)
)
def _check(state: State, arg: str) -> list:
    return [check_reply(state.catalog, state.fmt)[0]]


@special_command("quit", "q", "avsluta (eller Ctrl-D)", ("exit", "q!", "avsluta"))
def _quit(state: State, arg: str) -> list:
    state.done = True
    return []


# --- the user's settings ---------------------------------------------------------------------

CONFIG_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "pager": bool,
    "timeout": (int, float),
    "maxrows": int,
    "nullvalue": str,
    "expanded": str,
    "timer": bool,
    "colours": bool,
}


def config_path() -> Path:
    """The user's settings file: $XDG_CONFIG_HOME/ksquery/config.toml (~/.config by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "ksquery" / "config.toml"


def apply_config(state: State, path: Path | None = None) -> list[Reply]:
    """Apply the settings file to the session; a bad file or value gives a message, not a stop."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as err:
        return [Reply("error", f"fel: {path} kan inte läsas: {safe(str(err))[:120]}")]
    import tomllib  # only when there is a settings file

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return [Reply("error", f"fel: {path} kan inte läsas: {safe(str(err))[:120]}")]
    notes: list[Reply] = []
    for key, value in data.items():
        kind = CONFIG_KEYS.get(key.replace("colors", "colours"))
        if kind is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            close = did_you_mean(key, CONFIG_KEYS)
            notes.append(
                Reply(
                    "error",
                    f"fel: {path}: okänd eller felaktig inställning '{safe(key)[:30]}'"
                    + (f" — menade du '{close[0]}'?" if close and close[0] != key else ""),
                )
            )
            continue
        setting = {
            "format": lambda v: _format(state, v),
            "pager": lambda v: _pager(state, "on" if v else "off"),
            "timeout": lambda v: _timeout(state, str(v)),
            "maxrows": lambda v: _maxrows(state, str(v)),
            "nullvalue": lambda v: _nullvalue(state, v),
            "expanded": lambda v: _expanded(state, v),
            "timer": lambda v: _timer(state, "on" if v else "off"),
            "colours": lambda v: setattr(state, "colours", v),
        }[key.replace("colors", "colours")]
        try:
            setting(value)
        except KsqueryError as err:
            notes.append(Reply("error", f"fel: {path}: {key}: {err}"))
    return notes
