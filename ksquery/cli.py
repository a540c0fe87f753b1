"""The `ksquery` command: arguments, exit codes, stdout for data and stderr for messages.

Exit codes: 0 answered, 1 no answer or audit findings, 2 refused or bad input, 3 internal error.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import stat
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

from ksquery import __version__
from ksquery.catalog import EarlyOpen, open_catalog
from ksquery.errors import KsqueryError, ParamError, QuestionError, os_reason

# DuckDB (imported by engine and output) is imported only once entry() has started opening the
# database: DuckDB's C++ extension opens it on a helper thread while its Python layer imports.
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse
    from typing import Any, NoReturn

    from ksquery.catalog import Catalog
    from ksquery.engine import Result

    Args = argparse.Namespace | SimpleNamespace  # argparse's, or _plain_args' (the same names)

EXIT_OK, EXIT_NO_ANSWER, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
MAX_QUERY_BYTES = 1_000_000  # a query file or SQL on stdin; more is not a query


# argparse's own words, in Swedish: it looks them up through the module's gettext `_`.
_ARGPARSE_SV = {
    "usage: ": "användning: ",
    "positional arguments": "argument",
    "options": "flaggor",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "the following arguments are required: %s": "följande argument saknas: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ogiltigt val: %(value)r (välj bland %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ogiltigt värde: %(value)r",
    "unrecognized arguments: %s": "okända argument: %s",
    "expected one argument": "ett värde behövs",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tvetydig flagga: %(option)s kan vara %(matches)s"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "okänt kommando %(parser_name)r (välj bland %(choices)s)"
    ),
}


def _swedish_argparse() -> None:
    import argparse

    translate = argparse._  # type: ignore[attr-defined]
    if getattr(translate, "ksquery", False):
        return

    def swedish(text: str) -> str:
        return _ARGPARSE_SV.get(text, translate(text))

    swedish.ksquery = True  # type: ignore[attr-defined]
    argparse._ = swedish  # type: ignore[attr-defined]


def __getattr__(name: str) -> object:
    if name in ("TIMEOUT_RANGE", "parse_timeout"):  # also the CLI's names
        from ksquery import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'ksquery.cli' has no attribute {name!r}")


def _timeout_arg(text: str) -> float:
    import argparse

    from ksquery.engine import parse_timeout

    try:
        return parse_timeout(text)
    except KsqueryError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    import argparse  # here: a plain command line needs none of it (_plain_args)

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # one Swedish line, not a usage dump
            raise KsqueryError(f"ogiltiga argument: {message}", "skriv ksquery --help")

    from ksquery import engine, output

    _swedish_argparse()

    def options(suppress: bool) -> _Parser:
        # Subcommands repeat the options without defaults so `--data X sql …` is not overwritten.
        def default(value):
            return argparse.SUPPRESS if suppress else value

        opts = _Parser(add_help=False)
        opts.add_argument(
            "--data",
            metavar="KATALOG",
            default=default(None),
            help="datakatalog (annars $KSQUERY_DATA)",
        )
        opts.add_argument(
            "--timeout",
            metavar="SEKUNDER",
            type=_timeout_arg,
            default=default(engine.DEFAULT_TIMEOUT),
            help="tidsgräns per fråga i sekunder",
        )
        opts.add_argument(
            "--format", choices=output.FORMATS, default=default("table"), help="utdataformat"
        )
        return opts

    common = options(suppress=True)
    parser = _Parser(
        prog="ksquery",
        description="Frågor i SQL eller på svenska om datakatalogens budget "
        "(titel och år står i dess dataordlista; se ksquery tables).",
        parents=[options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"ksquery {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="KOMMANDO")
    param_help = "bind en parameter ($namn i SQL:en); kan upprepas"
    p = sub.add_parser(
        "sql",
        parents=[common],
        help="kör en SQL-fråga (- läser från stdin)",
        epilog='exempel:\n  ksquery sql "SELECT * FROM TABELL WHERE KOLUMN >= $min" '
        '--param min=8\n  ksquery sql "SELECT * FROM TABELL" --format xlsx --out svar.xlsx\n'
        "(ksquery tables listar tabellerna, ksquery describe TABELL deras kolumner)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", metavar="SQL", help="en SELECT-sats, eller - för att läsa stdin")
    p.add_argument("--param", action="append", default=[], metavar="NAMN=VÄRDE", help=param_help)
    p.add_argument("--chart", action="store_true", help="rita resultatet som diagram")
    p.add_argument("--out", metavar="FIL", help="fil att skriva till (krävs för xlsx)")
    p.add_argument("--force", action="store_true", help="skriv över en befintlig fil")
    p = sub.add_parser(
        "ask",
        parents=[common],
        help="ställ en fråga på svenska eller kör en namngiven fråga",
        epilog='exempel:\n  ksquery ask "FRÅGA PÅ SVENSKA" --chart\n'
        "  ksquery ask FRÅGA-ID --param NAMN=VÄRDE\n"
        "(ksquery questions listar frågorna med id och parametrar)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "text", nargs="+", metavar="FRÅGA", help="en fråga på svenska eller ett frågenamn"
    )
    p.add_argument("--param", action="append", default=[], metavar="NAMN=VÄRDE", help=param_help)
    p.add_argument("--chart", action="store_true", help="rita resultatet som diagram")
    p.add_argument("--out", metavar="FIL", help="fil att skriva till (krävs för xlsx)")
    p.add_argument("--force", action="store_true", help="skriv över en befintlig fil")
    p = sub.add_parser(
        "run",
        parents=[common],
        help="kör sparade frågefiler i batch",
        epilog="exempel:\n  ksquery run queries/*.sql --format xlsx --out rapport.xlsx"
        "   (en arbetsbok, ett blad per fråga)\n"
        "  ksquery run queries/*.sql --format excel-csv --out rapport/   (en fil per fråga)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FIL", help="frågefiler (.sql)")
    p.add_argument("--param", action="append", default=[], metavar="NAMN=VÄRDE", help=param_help)
    p.add_argument(
        "--out", metavar="KATALOG|FIL.xlsx", help="katalog (en fil per fråga) eller en .xlsx"
    )
    p.add_argument("--chart", action="store_true", help="rita varje resultat som diagram")
    p.add_argument("--force", action="store_true", help="skriv över befintliga filer")
    sub.add_parser("questions", parents=[common], help="lista de namngivna frågorna")
    sub.add_parser("tables", parents=[common], help="lista tabellerna")
    p = sub.add_parser(
        "describe",
        parents=[common],
        help="beskriv en tabells kolumner",
        epilog="exempel:\n  ksquery describe TABELL   (ksquery tables listar tabellerna)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("table", metavar="TABELL", help="tabellens namn (se ksquery tables)")
    sub.add_parser(
        "check", parents=[common], help="granska dokumentets summor och siffrorna i dess text"
    )
    sub.add_parser("repl", parents=[common], help="starta det interaktiva skalet")
    return parser


def _plain_args(argv: list[str]) -> SimpleNamespace | None:
    """What build_parser() makes of the plain everyday command lines (`ksquery`, `repl`, `check`,
    `tables`, `ask WORDS…`, `sql TEXT`: no option, no word starting with -) without building its
    eleven parsers (~2 ms); None for anything else, which argparse then reads."""
    if any(arg.startswith("-") for arg in argv):
        return None
    from ksquery.engine import DEFAULT_TIMEOUT

    common = {"data": None, "timeout": DEFAULT_TIMEOUT, "format": "table"}
    command, rest = (argv[0], argv[1:]) if argv else (None, [])
    if command in (None, "repl", "check", "tables") and not rest:
        return SimpleNamespace(**common, command=command)
    extra = {"param": [], "chart": False, "out": None, "force": False}
    if command == "ask" and rest:
        return SimpleNamespace(**common, command=command, text=rest, **extra)
    if command == "sql" and len(rest) == 1:
        return SimpleNamespace(**common, command=command, query=rest[0], **extra)
    return None


def parse_params(items: list[str]) -> dict[str, str]:
    """Turn ['år=2026', 'min_värde=8'] into a dict; raise ParamError on a malformed item."""
    from ksquery.output import safe

    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"parametern '{safe(item)[:40]}' ska skrivas NAMN=VÄRDE")
        params[name.strip()] = value.strip()
    return params


def main(argv: list[str] | None = None, early: EarlyOpen | None = None) -> int:
    """Entry point of the console script; returns the exit code. `early`: the database being
    opened ahead (see entry)."""
    argv = sys.argv[1:] if argv is None else argv
    from ksquery.output import safe

    try:
        args = _plain_args(argv) or build_parser().parse_args(argv)
        if args.command in (None, "repl"):
            from ksquery.shell import start  # the only place prompt_toolkit is imported

            return start(data=args.data, timeout=args.timeout, fmt=args.format, early=early)
        return _dispatch(args, early)
    except KsqueryError as err:
        _error(err)
        return err.exit_code
    except KeyboardInterrupt:
        print("avbrutet", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as err:  # the machine refused (disk full, no permission): not a bug
        where = f" ({safe(str(err.filename))[:200]})" if err.filename else ""
        print(f"fel: {os_reason(err)}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:  # noqa: BLE001 - never a traceback for users
        print(f"fel: internt fel ({type(err).__name__}: {safe(str(err))[:200]})", file=sys.stderr)
        return EXIT_INTERNAL


def entry(argv: list[str] | None = None) -> None:
    """Console-script entry: run, flush, and leave without the interpreter's slow teardown.

    Tearing down DuckDB, sqlglot and their modules costs ~30 ms on exit, a fifth of a one-shot
    answer. Everything ksquery writes (output, exports, caches) is complete and closed by now.
    """
    argv = sys.argv[1:] if argv is None else argv
    code = main(argv, _open_early(argv))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(code)


def _open_early(argv: list[str]) -> EarlyOpen | None:
    """Start opening the database the data directory used last time, while the rest starts up;
    `--data` is read here in its plain spellings only (open_catalog checks what it gets)."""
    if any(a in ("-h", "--help", "--version", "questions") for a in argv):
        return None  # nothing to open
    data = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--data" and i + 1 < len(argv):
            data = argv[i + 1]
        elif arg.startswith("--data="):
            data = arg.removeprefix("--data=")
    try:
        return EarlyOpen(data)
    except Exception:  # noqa: BLE001 - only speed is at stake: open as usual
        return None


def _error(err: KsqueryError) -> None:
    from ksquery.output import safe

    print(f"fel: {safe(str(err))}", file=sys.stderr)
    if err.hint:
        print(f"tips: {safe(err.hint)}", file=sys.stderr)


def prefetch(*modules: str) -> None:
    """Import modules on a helper thread while DuckDB opens the database (it releases the GIL).

    On two cores this hides most of sqlglot's or rapidfuzz's import time behind the connect.
    """

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the real import later reports the error
                return

    threading.Thread(target=work, name="ksquery-prefetch", daemon=True).start()


_PREFETCH = {
    "sql": ("ksquery.validate",),
    "check": ("ksquery.audit",),  # its fixed SQL has on-disk verdicts: sqlglot only when new
    "run": ("ksquery.questions",),
}


def _named_file(text: str) -> Path | None:
    """The query file of a named question id, or None (a Swedish question is never a path)."""
    from ksquery.questions import queries_dir

    if not re.fullmatch(r"\w{1,100}", text):
        return None
    path = queries_dir() / f"{text}.sql"
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def _dispatch(args: Args, early: EarlyOpen | None = None) -> int:
    from ksquery import engine

    if args.command == "ask":
        named_id = _named_file(" ".join(args.text).strip()) is not None
        prefetch("ksquery.questions", *(() if named_id else ("ksquery.ask",)))
    elif args.command == "sql" and args.query != "-" and engine.seen_before(args.query):
        pass  # a verdict is probably on disk: the validator's import would only compete
    elif args.command in _PREFETCH:
        prefetch(*_PREFETCH[args.command])
    if args.command == "questions":
        return _questions(args)  # the catalogue needs no database
    handlers = {
        "sql": _sql,
        "ask": _ask,
        "run": _run,
        "tables": _tables,
        "describe": _describe,
        "check": _check,
    }
    return handlers[args.command](open_catalog(args.data, early), args)


def _width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def _print_rendered(text: str, fmt: str) -> None:
    """Print rendered output. What reaches a terminal is made printable; csv piped to another
    program keeps its raw values (json is escaped losslessly either way)."""
    from ksquery import output

    if fmt not in ("csv", "excel-csv") or sys.stdout.isatty():
        text = output.terminal_text(text, fmt)
    print(text)


def _emit(
    result: Result,
    fmt: str,
    chart: bool = False,
    out: str | None = None,
    catalog: Catalog | None = None,
    force: bool = False,
) -> None:
    from ksquery import output
    from ksquery.output import safe

    if fmt == "xlsx" and not out:
        raise KsqueryError("xlsx kräver --out FIL.xlsx")
    if out:
        from ksquery.commands import export  # the same export as the REPL's .export

        export(result, Path(out), fmt, force, catalog)
        print(f"skrev {safe(out)}", file=sys.stderr)
    else:
        _print_rendered(output.render(result, fmt, width=_width(), max_rows=None), fmt)
    if chart and fmt == "table":
        print()
        print(safe(output.chart(result, width=_width())))


def _read_limited(stream, what: str) -> str:
    """At most MAX_QUERY_BYTES of a stream: /dev/zero or a runaway pipe is not a query."""
    text = stream.read(MAX_QUERY_BYTES + 1)
    if len(text) > MAX_QUERY_BYTES:
        raise KsqueryError(f"{what} är för lång (högst {MAX_QUERY_BYTES // 1000} kB)")
    return text


def _query_file(name: str) -> Path:
    """A query file that is a regular file of sane size; raise QuestionError in Swedish."""
    path = Path(name)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise QuestionError(f"{name}: filen finns inte") from None
    except OSError as err:
        raise QuestionError(f"{name}: kan inte läsas ({os_reason(err)})") from None
    if not stat.S_ISREG(info.st_mode):
        raise QuestionError(f"{name}: inte en vanlig fil (en katalog, enhet eller rörledning)")
    if info.st_size > MAX_QUERY_BYTES:
        raise QuestionError(
            f"{name}: filen är för stor för en fråga ({info.st_size} byte, "
            f"högst {MAX_QUERY_BYTES // 1000} kB)"
        )
    return path


def _sql(catalog: Catalog, args: Args) -> int:
    from ksquery import engine

    text = _read_limited(sys.stdin, "SQL från stdin") if args.query == "-" else args.query
    # sqlglot validates every statement new to this catalog; a verdict on disk for the very same
    # text and catalog spares a repeated one-shot query the validator's import.
    engine.check_cached(catalog, text)
    result = engine.run(
        catalog, text, parse_params(args.param) or None, timeout=args.timeout, validated=True
    )
    _emit(result, args.format, args.chart, args.out, catalog, args.force)
    return EXIT_OK


def _ask(catalog: Catalog, args: Args) -> int:
    from ksquery import questions
    from ksquery.output import safe

    text = " ".join(args.text).strip()
    if not text:
        raise QuestionError(
            "frågan är tom", "skriv en fråga på svenska eller ett fråge-id (se ksquery questions)"
        )
    given = parse_params(args.param)
    if args.out:  # refuse a bad target before the question runs
        from ksquery.exports import safe_target

        safe_target(args.out, catalog, args.force)
    path = _named_file(text)
    if path is not None:
        result = questions.run(catalog, questions.parse_file(path), given, timeout=args.timeout)
    else:
        from ksquery import ask

        named = questions.Catalogue()  # read only if the composer cannot answer alone
        if given:
            known = {p.name for q in named.values() for p in q.params}
            unknown = sorted(set(given) - known)
            if unknown:
                raise ParamError(
                    f"ingen fråga har parametern '{safe(unknown[0])}'",
                    "parametrar: " + ", ".join(sorted(known)),
                )
        result = ask.answer(catalog, named, text, given, timeout=args.timeout)
        for note in result.notes:  # how the question was read: a message, not data
            print(safe(note), file=sys.stderr)
    _emit(result, args.format, args.chart, args.out, catalog, args.force)
    return EXIT_OK


def _run(catalog: Catalog, args: Args) -> int:
    from ksquery import commands, output, questions
    from ksquery.output import safe

    given = parse_params(args.param)
    out_dir = Path(args.out) if args.out else None
    book: list[tuple[str, Result]] | None = None
    if out_dir and out_dir.suffix.lower() == ".xlsx":  # one workbook, one sheet per query
        book, out_dir = [], None
    if args.format == "xlsx" and out_dir is None and book is None:
        raise KsqueryError("xlsx kräver --out KATALOG")
    if out_dir:
        from ksquery.exports import check_folder

        check_folder(out_dir, catalog)  # never into the data or the questions, also via .. or links
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise KsqueryError(
                f"--out {safe(str(out_dir))} kan inte användas som katalog: {os_reason(err)}"
            ) from None
    failures = 0
    used: set[str] = set()
    # (file as shown, name of its export, question or why it failed): a plain file with several
    # statements runs each in turn as FILE#1, FILE#2 …
    parsed: list[tuple[str, str, Any]] = []
    for name in args.files:
        try:
            found = commands.file_questions(_query_file(name))
        except KsqueryError as err:
            parsed.append((name, Path(name).stem, err))
            continue
        for q in found:
            shown = name if len(found) == 1 else f"{name}#{q.id.rpartition('#')[2]}"
            parsed.append((shown, q.id, q))
    for _name, _stem, question in parsed:
        if not isinstance(question, KsqueryError):
            used |= {p.name for p in question.params} & set(given)
    unknown = set(given) - used
    if unknown:
        raise ParamError(f"ingen av filerna har parametern '{sorted(unknown)[0]}'")
    for name, stem, question in parsed:
        try:
            if isinstance(question, KsqueryError):
                raise question
            mine = {k: v for k, v in given.items() if question.param(k)}
            result = questions.run(catalog, question, mine, timeout=args.timeout)
        except KsqueryError as err:
            failures += 1
            message = str(err).removeprefix(f"{name}: ").removeprefix(f"{Path(name).name}: ")
            message = message.removeprefix(f"{stem}.sql: ")
            print(f"fel: {safe(name)}: {safe(message)}", file=sys.stderr)
            continue
        if book is not None:
            book.append((stem, result))
        elif out_dir:
            ext = output.SUFFIXES.get(args.format, args.format)
            target = str(out_dir / f"{stem}.{ext}")
            try:
                _emit(result, args.format, out=target, catalog=catalog, force=args.force)
            except KsqueryError as err:  # e.g. the file exists: the other files still run
                failures += 1
                _error(err)
        elif args.format == "json":
            data = json.loads(output.to_json(result))
            print(output.json_text({"file": name, **data}))
        else:
            if args.format == "table":
                print(f"== {safe(name)} ==")
            _emit(result, args.format, args.chart)
            print()
    if book:
        try:
            from ksquery.exports import safe_target

            output.write_workbook(book, safe_target(args.out, catalog, args.force))
        except OSError as err:
            raise KsqueryError(f"kunde inte skriva {safe(args.out)}: {os_reason(err)}") from None
        print(f"skrev {args.out} ({len(book)} blad)", file=sys.stderr)
    if failures:
        what = "filer" if len(parsed) == len(args.files) else "frågor"
        print(f"{failures} av {len(parsed)} {what} misslyckades", file=sys.stderr)
    return EXIT_BAD_INPUT if failures else EXIT_OK


def _show(item: Any, fmt: str) -> None:
    """Print an operation's answer from commands.py: a Result in the chosen format, or text."""
    from ksquery import engine, output
    from ksquery.output import safe

    if isinstance(item, engine.Result):
        _print_rendered(output.render(item, fmt, width=_width(), max_rows=None), fmt)
    else:
        print(safe(item.text))


def _questions(args: Args) -> int:
    from ksquery import commands, questions

    _show(commands.questions_reply(questions.load_all(), args.format), args.format)
    return EXIT_OK


def _tables(catalog: Catalog, args: Args) -> int:
    from ksquery import inventory

    _show(inventory.tables(catalog), args.format)
    return EXIT_OK


def _describe(catalog: Catalog, args: Args) -> int:
    from ksquery import inventory

    _show(inventory.describe(catalog, args.table), args.format)
    return EXIT_OK


def _check(catalog: Catalog, args: Args) -> int:
    from ksquery import commands

    reply, found = commands.check_reply(catalog, args.format)
    _show(reply, args.format)
    return EXIT_NO_ANSWER if found else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    entry()
