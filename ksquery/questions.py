"""Named questions: parse `queries/*.sql` headers, bind and check parameters, run them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ksquery import cache as cache_store
from ksquery import engine
from ksquery.catalog import Catalog
from ksquery.errors import ParamError, QuestionError, did_you_mean

_ROOT = Path(__file__).resolve().parent.parent
# A wheel ships the named questions as ksquery_queries/; the repository keeps them in queries/.
SHIPPED_QUERIES = (
    _ROOT / "ksquery_queries" if (_ROOT / "ksquery_queries").is_dir() else _ROOT / "queries"
)
HEADER_KEYS = {"title", "description", "aliases", "param", "source", "chart", "check"}
REQUIRED_KEYS = ("title", "description", "aliases", "source")
TYPES = {"int", "text", "bool", "decimal"}
_PARAM = re.compile(
    r"^(?P<name>[^\W\d]\w*)\s+(?P<type>\w+)(?:\s*=\s*(?P<default>[^|]*?))?\s*"
    r"(?:\|\s*(?P<rest>.*))?$"
)
_RANGE = re.compile(r"^in\s+(-?\d+)\s*\.\.\s*(-?\d+)$")
_LIST = re.compile(r"^in\s*\((?!\s*select\b)(.*)\)$", re.I | re.S)
_QUERY = re.compile(r"^in\s*\((\s*select\b.*)\)$", re.I | re.S)
# A value computed from the data: first(table.column), last(table.column) or meta.key, with an
# optional whole-number offset ("meta.budget_year - 1"). Used for defaults and in {…} of titles.
_EXPR = re.compile(
    r"^(?:(?P<fn>first|last)\(\s*(?P<table>[^\W\d]\w*)\.(?P<column>[^\W\d]\w*)\s*\)"
    r"|meta\.(?P<key>[^\W\d]\w*))"
    r"(?:\s*(?P<sign>[+-])\s*(?P<offset>\d{1,4}))?$"
)
_PLACEHOLDER = re.compile(r"\{((?:first|last)\([^{}()]*\)|meta\.[^{}]*)\}")
_CHECK = re.compile(r"^([^\W\d]\w*)\s*(<=|>=|<|>|!=)\s*([^\W\d]\w*)$")
_CHECK_WORDS = {
    "<=": "får inte vara större än",
    ">=": "får inte vara mindre än",
    "<": "måste vara mindre än",
    ">": "måste vara större än",
    "!=": "får inte vara lika med",
}
_CHECK_OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] | None = None
    choices_sql: str | None = None
    label: str = ""
    default_expr: str | None = None  # computed from the data: "last(investeringar.år)"

    def describe(self) -> dict:
        """Return the parameter as plain data for JSON listings."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "default": self.default}
        if self.default_expr:
            out["default_from"] = self.default_expr
        if self.low is not None:
            out["min"], out["max"] = self.low, self.high
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.choices_sql:
            out["choices_sql"] = self.choices_sql
        out["label"] = self.label
        return out


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    description: str
    aliases: tuple[str, ...]
    params: tuple[Param, ...]
    source: str
    sql: str
    path: Path
    chart: str | None = None
    checks: tuple[tuple[str, str, str], ...] = ()  # (left, operator, right) over parameters

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def heading(self, values: dict[str, Any]) -> str:
        """The title with parameter values filled in, e.g. 'Risker med riskvärde minst 6'."""
        text = re.sub(
            r"\{(\w+)\}", lambda m: _shown(values.get(m.group(1), m.group(0))), self.title
        )
        return re.sub(r"\b(\d+)–\1\b", r"\1", text)  # "2026–2026" reads as "2026"


def _shown(value: Any) -> str:
    return "ja" if value is True else "nej" if value is False else str(value)


def queries_dir(arg: str | os.PathLike | None = None) -> Path:
    """Return the named-question directory: the argument, $KSQUERY_QUERIES, or the shipped one."""
    return Path(arg or os.environ.get("KSQUERY_QUERIES") or SHIPPED_QUERIES)


def load_all(directory: Path | None = None) -> dict[str, Question]:
    """Parse every `*.sql` file in the directory into Questions keyed by id."""
    directory = directory or queries_dir()
    if not directory.is_dir():
        return {}
    return {q.id: q for q in (parse_file(p) for p in sorted(directory.glob("*.sql")))}


class Catalogue(Mapping[str, Question]):
    """The named questions, parsed on first use: a Swedish question the composer answers never
    needs the 32 files read (load_all's result, when asked for)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._loaded: dict[str, Question] | None = None

    def _all(self) -> dict[str, Question]:
        if self._loaded is None:
            self._loaded = load_all(self._directory)
        return self._loaded

    def __getitem__(self, key: str) -> Question:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def parse_file(path: Path) -> Question:
    """Parse one saved query file; a plain SQL file without a header gets its file name as title."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionError(f"{path}: filen finns inte") from None
    except UnicodeDecodeError:
        raise QuestionError(f"{path}: inte giltig UTF-8") from None
    except OSError as err:
        raise QuestionError(f"{path}: kan inte läsas ({err.strerror})") from None
    return parse_text(text, path)


# A plain file's title from its leading comment is at most this long.
MAX_TITLE = 200
_HEADER_LINE = re.compile(r"^(\w+)\s*:\s*(.*)$")


def _leading_comments(text: str) -> list[str]:
    """The texts of the `--` comment lines before the first statement (blank lines skipped)."""
    found: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        found.append(stripped[2:].strip())
    return found


def has_header(text: str) -> bool:
    """Whether the file starts with a named-question header: a `-- key: value` line among its
    leading comments whose key is a header key or nearly one (`titel:` is a header with a typo
    to report; a plain file's `-- Obs: …` is a comment)."""
    return any(
        (m := _HEADER_LINE.match(c)) is not None and _header_key(m.group(1))
        for c in _leading_comments(text)
    )


def _header_key(word: str) -> bool:
    key = word.lower()
    return key in HEADER_KEYS or bool(did_you_mean(key, HEADER_KEYS, cutoff=0.75))


def title_of(text: str) -> str | None:
    """The title of a query file: its header's title, or else its first leading comment line
    ("-- största objekten 2025"); None when it has neither."""
    comments = [c for c in _leading_comments(text) if c.strip("-").strip()]
    if has_header(text):
        titles = [m.group(2).strip() for c in comments if (m := _HEADER_LINE.match(c))
                  and m.group(1).lower() == "title"]  # fmt: skip
        return " ".join(titles) or None
    return comments[0].strip("-").strip()[:MAX_TITLE] if comments else None


def parse_text(text: str, path: Path) -> Question:
    """Parse header comments (`-- key: value`) and the SQL body; a plain SQL file without a
    header takes its title from its first leading comment line, else from its file name."""
    header: dict[str, list[str]] = {}
    body_lines: list[str] = []
    in_header = True
    plain = not has_header(text)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if in_header and stripped.startswith("--"):
            content = stripped[2:].strip()
            match = None if plain else _HEADER_LINE.match(content)
            if match:
                key = match.group(1).lower()
                if key not in HEADER_KEYS:
                    hint = did_you_mean(key, sorted(HEADER_KEYS))
                    raise QuestionError(
                        f"{path.name}, rad {number}: okänd rubriknyckel '{key}'"
                        + (f" — menade du '{hint[0]}'?" if hint else "")
                    )
                header.setdefault(key, []).append(match.group(2).strip())
                continue
            if not content:
                continue
        if stripped and in_header and not stripped.startswith("--"):
            in_header = False
        if not in_header:
            body_lines.append(line)
    sql = "\n".join(body_lines).strip()
    if not sql:
        raise QuestionError(f"{path.name}: filen innehåller ingen SQL")
    if header:
        missing = [k for k in REQUIRED_KEYS if k not in header]
        if missing:
            raise QuestionError(f"{path.name}: rubriken saknar {', '.join(missing)}")
    params = tuple(_parse_param(spec, path) for spec in header.get("param", ()))
    checks = tuple(_parse_check(spec, path, params) for spec in header.get("check", ()))
    used = set(re.findall(r"\$([^\W\d]\w*)", _strip_literals(sql)))
    declared = {p.name for p in params}
    if used - declared:
        raise QuestionError(
            f"{path.name}: parametern ${sorted(used - declared)[0]} används men deklareras inte"
        )
    if declared - used:
        raise QuestionError(
            f"{path.name}: parametern {sorted(declared - used)[0]} deklareras men används inte"
        )
    aliases = tuple(a.strip() for a in ";".join(header.get("aliases", [])).split(";") if a.strip())
    title = (title_of(text) if plain else None) or path.stem
    return Question(
        id=path.stem,
        title=" ".join(header.get("title", [title])),
        description=" ".join(header.get("description", [])),
        aliases=aliases,
        params=params,
        source=" ".join(header.get("source", [])),
        sql=sql,
        path=path,
        chart=" ".join(header["chart"]) if "chart" in header else None,
        checks=checks,
    )


def _parse_check(spec: str, path: Path, params: tuple[Param, ...]) -> tuple[str, str, str]:
    """`från <= till`: a rule between two declared parameters, checked before the query runs."""
    match = _CHECK.match(spec.strip())
    if not match:
        raise QuestionError(
            f"{path.name}: kan inte tolka kontrollen '{spec}'", "skriv t.ex. -- check: från <= till"
        )
    left, op, right = match.groups()
    names = {p.name for p in params}
    for name in (left, right):
        if name not in names:
            raise QuestionError(f"{path.name}: kontrollen '{spec}' nämner okänd parameter {name}")
    return left, op, right


def _strip_literals(sql: str) -> str:
    """Remove string literals and comments so `$x` inside them is not taken for a parameter."""
    return re.sub(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", "", sql, flags=re.S)


def _parse_param(spec: str, path: Path) -> Param:
    match = _PARAM.match(spec)
    if not match:
        raise QuestionError(f"{path.name}: kan inte tolka parametern '{spec}'")
    name, type_ = match.group("name"), match.group("type").lower()
    if type_ not in TYPES:
        raise QuestionError(f"{path.name}: parametern {name} har okänd typ {type_}")
    parts = [p.strip() for p in (match.group("rest") or "").split("|")]
    low = high = None
    choices: tuple[str, ...] | None = None
    choices_sql = None
    label = ""
    for part in parts:
        if not part:
            continue
        if m := _RANGE.match(part):
            low, high = int(m.group(1)), int(m.group(2))
        elif m := _QUERY.match(part):
            choices_sql = m.group(1).strip()
        elif m := _LIST.match(part):
            choices = tuple(c.strip().strip("'") for c in m.group(1).split(",") if c.strip())
        else:
            label = part
    param = Param(name, type_, None, low, high, choices, choices_sql, label)
    raw_default = match.group("default")
    if raw_default is not None and _EXPR.match(raw_default.strip()):
        return Param(name, type_, None, low, high, choices, choices_sql, label, raw_default.strip())
    if raw_default is not None and raw_default.strip():
        try:
            default = convert(param, raw_default.strip())
        except ParamError as err:
            raise QuestionError(f"{path.name}: standardvärdet för {name}: {err}") from None
        param = Param(name, type_, default, low, high, choices, choices_sql, label)
    return param


def convert(param: Param, raw: Any) -> Any:
    """Convert a raw value (text from a command line or the parser) to the parameter's type."""
    if param.type == "int":
        if isinstance(raw, bool):
            raise ParamError(f"{param.name} ska vara ett heltal")
        if isinstance(raw, int):
            value = raw
        else:
            text = str(raw).strip().replace("\u2212", "-").replace(" ", "")
            if not re.fullmatch(r"[+-]?\d{1,12}", text):
                raise ParamError(f"{param.name} ska vara ett heltal, fick '{_short(raw)}'")
            value = int(text)
        if (
            param.low is not None
            and param.high is not None
            and not param.low <= value <= param.high
        ):
            raise ParamError(
                f"{param.name} ska vara mellan {param.low} och {param.high}, fick {value}"
            )
        return value
    if param.type == "decimal":
        text = str(raw).strip().replace(",", ".").replace("\u2212", "-")
        if not re.fullmatch(r"[+-]?\d{1,12}(\.\d{1,6})?", text):
            raise ParamError(f"{param.name} ska vara ett tal, fick '{_short(raw)}'")
        return float(text)
    if param.type == "bool":
        text = str(raw).strip().lower()
        if text in ("ja", "true", "1", "sant"):
            return True
        if text in ("nej", "false", "0", "falskt"):
            return False
        raise ParamError(f"{param.name} ska vara ja eller nej, fick '{_short(raw)}'")
    text = str(raw)
    if len(text) > 200:
        raise ParamError(f"{param.name} är för långt ({len(text)} tecken)")
    if param.choices is not None:
        return _pick(param, text, param.choices)
    return text


def _pick(param: Param, text: str, choices: tuple[str, ...] | list[str]) -> str:
    folded = {c.casefold(): c for c in choices}
    if text.casefold() in folded:
        return folded[text.casefold()]
    hint = did_you_mean(text, choices, cutoff=0.5)
    raise ParamError(
        f"{param.name} kan inte vara '{_short(text)}'"
        + (f" — menade du '{hint[0]}'?" if hint else ""),
        "tillåtna värden: " + ", ".join(list(choices)[:12]),
    )


def _short(raw: Any) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def choices_for(catalog: Catalog, param: Param) -> list[str] | None:
    """The allowed values of a parameter, running its `in (SELECT …)` through the same gate."""
    if param.choices is not None:
        return list(param.choices)
    if not param.choices_sql:
        return None
    cache = _derived(catalog)["choices"]
    if param.choices_sql not in cache:
        engine.check_cached(catalog, param.choices_sql)
        result = engine.run(catalog, param.choices_sql, validated=True)
        values = [str(r[0]) for r in result.rows if r[0] is not None]
        numeric = all(re.fullmatch(r"-?\d+", v) for v in values)
        cache[param.choices_sql] = sorted(values, key=int if numeric else str.casefold)
        _keep_derived(catalog)
    return list(cache[param.choices_sql])


def _derived(catalog: Catalog) -> dict[str, dict]:
    """Values the named questions derive from the data (computed defaults, allowed values),
    kept on disk per data set: a one-shot question then runs no query to learn them."""
    derived = catalog.derived.derived
    if derived is None:
        stored = cache_store.load(f"derived-{catalog.fingerprint}")
        if isinstance(stored, dict) and all(
            isinstance(stored.get(k), dict) for k in ("computed", "choices")
        ):
            derived = stored
        else:  # absent, damaged or foreign
            derived = {"computed": {}, "choices": {}}
        catalog.derived.derived = derived
    return derived


def _keep_derived(catalog: Catalog) -> None:
    cache_store.store(f"derived-{catalog.fingerprint}", _derived(catalog))


def bind(catalog: Catalog, question: Question, given: dict[str, Any]) -> dict[str, Any]:
    """Merge given values over defaults, convert and check each; raise ParamError on any fault."""
    names = [p.name for p in question.params]
    for key in given:
        if key not in names:
            hint = did_you_mean(key, names)
            raise ParamError(
                f"frågan {question.id} har ingen parameter '{_short(key)}'"
                + (f" — menade du '{hint[0]}'?" if hint else ""),
                "parametrar: " + (", ".join(names) or "inga"),
            )
    values: dict[str, Any] = {}
    for param in question.params:
        if param.name in given:
            value = convert(param, given[param.name])
        elif param.default_expr is not None or param.default is not None:
            # A default the data does not hold is an error, not an empty answer.
            values[param.name] = _checked_default(catalog, question, param)
            continue
        else:
            raise ParamError(
                f"parametern {param.name} saknar värde", f"ange --param {param.name}=…"
            )
        if param.choices_sql:
            picked = _pick(param, str(value), choices_for(catalog, param) or [])
            value = picked if param.type == "text" else value
        values[param.name] = value
    for left, op, right in question.checks:
        a, b = values[left], values[right]
        if not _CHECK_OPS[op](a, b):
            raise ParamError(
                f"{left} ({_shown(a)}) {_CHECK_WORDS[op]} {right} ({_shown(b)})",
                f"frågan {question.id} kräver {left} {op} {right}",
            )
    return values


def _checked_default(catalog: Catalog, question: Question, param: Param) -> Any:
    """A computed default, converted and checked: a value the data does not hold is an error."""
    shown = f"{param.default_expr} = " if param.default_expr else ""
    if param.default_expr is None:
        value = param.default
    else:
        try:
            value = convert(param, evaluate(catalog, param.default_expr))
        except ParamError as err:
            raise ParamError(
                f"standardvärdet för {param.name} ({param.default_expr}) kan inte användas: {err}"
            ) from None
    if param.choices_sql:
        allowed = choices_for(catalog, param) or []
        folded = {c.casefold(): c for c in allowed}
        if str(value).casefold() not in folded:
            raise ParamError(
                f"standardvärdet för {param.name} i {question.id} ({shown}{_shown(value)}) "
                "finns inte i data",
                "tillåtna värden: " + ", ".join(allowed[:12]),
            )
        if param.type == "text":
            value = folded[str(value).casefold()]
    return value


def evaluate(catalog: Catalog, expr: str) -> Any:
    """The value of `first(t.c)`, `last(t.c)` or `meta.key` (± n) in this data set, memoised.

    Table and column are looked up in the catalog and quoted from its own names, so nothing
    from the file reaches the SQL text unchecked; raise QuestionError when they do not exist.
    """
    cache = _derived(catalog)["computed"]
    if expr in cache:
        return cache[expr]
    match = _EXPR.match(expr.strip())
    if not match:
        raise QuestionError(
            f"kan inte tolka '{_short(expr)}'",
            "skriv first(tabell.kolumn), last(tabell.kolumn) eller meta.nyckel",
        )
    if match.group("key"):
        key = match.group("key")
        if key not in catalog.dictionary.meta:
            raise QuestionError(
                f"dataordlistan saknar meta.{key}",
                f"lägg till {key} under [meta] i dictionary.toml",
            )
        value = catalog.dictionary.meta[key]
    else:
        table = catalog.dictionary.table(match.group("table"))
        column = table.column(match.group("column")) if table else None
        if table is None or column is None:
            raise QuestionError(
                f"{match.group('table')}.{match.group('column')} finns inte i data",
                "tabeller: " + ", ".join(sorted(catalog.tables)),
            )
        agg = "min" if match.group("fn") == "first" else "max"
        sql = f"SELECT {agg}({_quote(column.name)}) FROM {_quote(table.name)}"
        rows = engine.execute(catalog.con, sql, {}, timeout=10)
        value = rows.rows[0][0] if rows.rows else None
        if value is None:
            raise QuestionError(f"{table.name}.{column.name} är tom: {expr} saknar värde")
    if match.group("offset"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise QuestionError(f"{expr}: bara heltal kan flyttas med + eller −")
        step = int(match.group("offset"))
        value = value + step if match.group("sign") == "+" else value - step
    cache[expr] = value
    _keep_derived(catalog)
    return value


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fill(catalog: Catalog, text: str) -> str:
    """Text with `{meta.key}`, `{first(t.c)}`, `{last(t.c)}` replaced by this data set's values."""
    if "{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: _shown(evaluate(catalog, m.group(1))), text)


def resolve(catalog: Catalog, question: Question) -> Question:
    """The question as this data set reads it: computed defaults and data placeholders filled."""
    cache = catalog.derived.resolved
    key = (question.path, question.title, question.description, question.source, question.params)
    if key not in cache:
        params = tuple(
            replace(p, default=_checked_default(catalog, question, p)) if p.default_expr else p
            for p in question.params
        )
        cache[key] = replace(
            question,
            title=fill(catalog, question.title),
            description=fill(catalog, question.description),
            source=fill(catalog, question.source),
            chart=fill(catalog, question.chart) if question.chart else None,
            params=params,
        )
    return cache[key]


def run(
    catalog: Catalog,
    question: Question,
    given: dict[str, Any] | None = None,
    *,
    timeout: float | None = engine.DEFAULT_TIMEOUT,
    max_rows: int | None = None,
) -> engine.Result:
    """Bind parameters, validate (cached by content), run, and label the Result with its source."""
    question = resolve(catalog, question)
    values = bind(catalog, question, given or {})
    engine.check_cached(catalog, question.sql)
    result = engine.run(
        catalog, question.sql, values, timeout=timeout, max_rows=max_rows, validated=True
    )
    return result.with_meta(
        title=question.heading(values),
        question=question.id,
        source=question.source,
        chart=question.chart,
    )
