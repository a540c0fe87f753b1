"""Turn a Result into text for people (Swedish numbers) or for machines (raw values)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import shlex
import textwrap
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from ksquery.engine import Result

FORMATS = ("table", "csv", "excel-csv", "json", "md", "xlsx")
MINUS = "\u2212"
NULL = "–"  # how a table shows NULL by default (an empty text stays empty); .nullvalue changes it
INFINITE_NOTE = "∞ = oändligt (t.ex. division med noll)"
# Characters that drive a terminal or reorder what it shows: C0 and C1 controls (ESC, CSI, OSC …),
# DEL, the bidirectional controls (U+202E turns text around) and the Unicode line separators.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
_CONTROL = {
    c: f"\\x{c:02x}" for c in [*range(32), 127, *range(0x80, 0xA0)] if chr(c) not in "\n\t"
} | {c: f"\\u{c:04x}" for c in _BIDI}
# In JSON the same characters become \\u escapes: the value stays exactly the same.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in [*range(32), 127, *range(0x80, 0xA0), *_BIDI]}


def printable(text: str) -> str:
    """Text that cannot drive a terminal: every control, C1 and bidi character made visible
    (newline and tab kept). Everything that reaches a terminal passes through here."""
    return str(text).translate(_CONTROL)


safe = printable  # the older name, still used across the package


def json_text(data: Any) -> str:
    """JSON with raw values in which no character can drive a terminal (\\u escapes)."""
    return json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)


def terminal_text(text: str, fmt: str) -> str:
    """Rendered output as it may be shown on a terminal: json is already escaped (and must stay
    valid JSON); every other format is made printable."""
    return text if fmt == "json" else printable(text)


def neutralise_formula(text: str) -> str:
    """A cell text a spreadsheet will not evaluate: a leading = + - @ (or tab/CR) gets an
    apostrophe, as OWASP advises for csv meant for spreadsheets."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _plain_int(column: str, plain: frozenset[str]) -> bool:
    """Whether an integer column is shown without digit grouping: named in the data set's
    display hints (`plain`, also as the first part of a name joined by _) or ending in _id."""
    name = column.lower()
    return name in plain or name.split("_", 1)[0] in plain or name.endswith("_id")


def format_value(
    value: Any, column: str = "", null: str = "", plain: frozenset[str] = frozenset()
) -> str:
    """Format one value for people: '118 535', '−4 227', '4,2', '0,004', 'ja', `null` for NULL;
    integers in the `plain` columns (years, ordinals) without grouping: '2025'."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        if _plain_int(column, plain):
            return str(value).replace("-", MINUS)
        return _group(str(abs(value)), value < 0)
    if isinstance(value, (float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return {True: "∞", False: MINUS + "∞"}[value > 0] if not math.isnan(value) else "NaN"
        number = Decimal(str(value)) if isinstance(value, float) else value
        if isinstance(value, float):
            number = round(number, _decimals(value))
            if "mnkr" in column.lower():  # millions are always shown with one decimal: 7,0
                return _decimal_text(number.quantize(Decimal("0.1")))
        exponent = number.as_tuple().exponent
        if number == number.to_integral_value() and (
            isinstance(value, float) or (isinstance(exponent, int) and exponent >= 0)
        ):
            whole = str(abs(int(number)))
            return _group(whole, number < 0)
        text = (
            format(abs(number), "f").rstrip("0")
            if isinstance(value, float)
            else format(abs(number), "f")
        )
        whole, _, frac = text.partition(".")
        return _group(whole, number < 0) + ("," + frac if frac else "")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return safe(str(value))


def _decimals(value: float) -> int:
    """Two decimals, or as many as keep two significant digits of a small value (0,004)."""
    if value == 0:
        return 2
    return min(15, max(2, 1 - math.floor(math.log10(abs(value)))))


def _decimal_text(number: Decimal) -> str:
    whole, _, frac = format(abs(number), "f").partition(".")
    return _group(whole, number < 0) + ("," + frac if frac else "")


def _group(digits: str, negative: bool) -> str:
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return (MINUS if negative else "") + " ".join(parts)


def _width(text: str) -> int:
    if not text or max(text) < "\u0300":  # nothing below U+0300 is wide or combining
        return len(text)
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _heading(result: Result) -> list[str]:
    lines = [safe(result.title)] if result.title else []
    if result.params:
        lines.append(
            "Parametrar: "
            + ", ".join(
                f"{k} = {format_value(v, k, plain=result.plain)}" for k, v in result.params.items()
            )
        )
    return lines


def _cells(result: Result, rows: list[tuple], null: str) -> list[list[str]]:
    return [
        [format_value(v, c, null, result.plain) for v, c in zip(row, result.columns, strict=False)]
        for row in rows
    ]


def natural_width(result: Result, max_rows: int | None = 50) -> int:
    """How wide the table would be with no text wrapped (for `\\x auto`)."""
    shown = result.rows if max_rows is None else result.rows[:max_rows]
    cells = _cells(result, shown, NULL)
    return sum(
        max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(result.columns)
    ) + 3 * max(0, len(result.columns) - 1)


def render_table(
    result: Result, width: int = 100, max_rows: int | None = 50, null: str = NULL
) -> str:
    """An aligned text table: numbers right-aligned, long text wrapped to fit `width`."""
    lines = _heading(result)
    shown = result.rows if max_rows is None else result.rows[:max_rows]
    columns = [safe(c) for c in result.columns]
    if not columns:
        lines.append("(inget resultat)")
        return "\n".join(lines)
    cells = _cells(result, shown, null)
    numeric = [
        bool(shown) and all(_is_number(r[i]) or r[i] is None for r in shown)
        for i in range(len(columns))
    ]
    natural = [
        max([_width(columns[i])] + [_width(r[i]) for r in cells]) for i in range(len(columns))
    ]
    room = width - 3 * (len(columns) - 1)
    widths = natural
    if sum(natural) > max(room, len(natural) * 4):  # too wide: shrink, each to its floor
        floors = [
            max(
                6,
                _width(columns[i]),
                min(24, max((_width(w) for r in cells for w in r[i].split()), default=0)),
            )
            for i in range(len(columns))
        ]
        widths = _fit(natural, numeric, room, floors)
    lines.append(_row_line(columns, widths, numeric, header=True))
    lines.append("─┼─".join("─" * w for w in widths))
    for row in cells:
        wrapped = [
            [row[i]] if numeric[i] else _wrap(row[i], widths[i]) for i in range(len(columns))
        ]
        for k in range(max(len(w) for w in wrapped)):
            lines.append(_row_line([w[k] if k < len(w) else "" for w in wrapped], widths, numeric))
    total = result.row_count
    if total > len(shown):
        lines.append(
            f"… {total - len(shown)} rader till (.maxrows 0 visar alla, .export FIL sparar)"
        )
    lines.append(_footer(result, total, shown))
    return "\n".join(lines)


def render_vertical(
    result: Result, width: int = 100, max_rows: int | None = 50, null: str = NULL
) -> str:
    """One block per row, a column name and its value on each line (psql's `\\x`)."""
    lines = _heading(result)
    shown = result.rows if max_rows is None else result.rows[:max_rows]
    names = [safe(c) for c in result.columns]
    label = max((_width(n) for n in names), default=0)
    room = max(20, width - label - 3)
    for number, row in enumerate(_cells(result, shown, null), 1):
        lines.append(f"-[ rad {number} ]" + "─" * max(0, min(width, 40) - 12 - len(str(number))))
        for name, value in zip(names, row, strict=True):
            parts = textwrap.wrap(value, room) or [value]
            pad = " " * (label - _width(name))
            lines.append(f"{name}{pad} │ {parts[0]}".rstrip())
            lines += [f"{' ' * label} │ {part}" for part in parts[1:]]
    total = result.row_count
    if total > len(shown):
        lines.append(
            f"… {total - len(shown)} rader till (.maxrows 0 visar alla, .export FIL sparar)"
        )
    lines.append(_footer(result, total, shown))
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    """A cell's lines at `width` (textwrap's, or [""]); a cell that fits as it is stays whole
    without textwrap, which costs ~10 us a cell: printable (no tab or line break for textwrap
    to turn into a space), within the width and not ending in a blank it would drop."""
    if text and len(text) <= width and text.isprintable() and not text[-1].isspace():
        return [text]
    return textwrap.wrap(text, width) or [""]


def _footer(result: Result, total: int, shown: list[tuple] | None = None) -> str:
    parts = [
        f"{total} rad" + ("er" if total != 1 else ""),
        f"{result.elapsed * 1000:.1f} ms".replace(".", ","),
    ]
    if result.source:
        parts.append("Källa: " + result.source)
    if any(isinstance(v, float) and math.isinf(v) for row in shown or () for v in row):
        parts.append(INFINITE_NOTE)
    return "(" + " · ".join(parts) + ")"


def _fit(natural: list[int], numeric: list[bool], room: int, floors: list[int]) -> list[int]:
    """Shrink the widest text columns until the table fits, never below a column's floor (its
    heading and longest word: "Välfärdsbrottslighet" stays whole)."""
    widths = list(natural)
    while sum(widths) > max(room, len(widths) * 4):
        shrinkable = [i for i in range(len(widths)) if not numeric[i] and widths[i] > floors[i]]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda i: widths[i])
        widths[i] -= 1
    return widths


def _row_line(
    values: list[str], widths: list[int], numeric: list[bool], header: bool = False
) -> str:
    out = []
    for value, w, num in zip(values, widths, numeric, strict=True):
        pad = " " * max(0, w - _width(value))
        out.append(pad + value if num and not header else value + pad)
    return " │ ".join(out).rstrip()


def _raw(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_raw(v) for v in value]
    if isinstance(value, dict):
        return {k: _raw(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def to_json(result: Result) -> str:
    """{"columns": [...], "rows": [[...]]} with raw values, plus the question's metadata if any."""
    data: dict[str, Any] = {
        "columns": list(result.columns),
        "rows": [[_raw(v) for v in r] for r in result.rows],
    }
    if result.question or result.title:
        data = {
            "question": result.question,
            "title": result.title,
            "params": {k: _raw(v) for k, v in result.params.items()},
            "sql": result.sql,
            **data,
            "source": result.source,
            "alternatives": list(result.alternatives),
            "notes": list(result.notes),
        }
        if result.plan is not None:  # a composed Swedish question: how it was read
            data["plan"] = result.plan
    return json_text(data)


def to_csv(result: Result) -> str:
    """RFC 4180 CSV with a header row and raw values (dot as decimal sign)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow(["" if v is None else _csv_value(_raw(v)) for v in row])
    return buffer.getvalue()


def to_excel_csv(result: Result) -> str:
    """csv that Swedish Excel opens on a double-click: UTF-8 with BOM, ';' between fields,
    decimal comma, CRLF, and text that Excel would run as a formula made harmless."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise_formula(c) for c in result.columns])
    for row in result.rows:
        writer.writerow([_excel_value(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def _excel_value(value: Any) -> str:
    raw = _raw(value)
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "ja" if raw else "nej"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return format(Decimal(repr(raw)), "f").replace(".", ",")
    if isinstance(raw, (list, dict)):
        raw = json.dumps(raw, ensure_ascii=False)
    return neutralise_formula(str(raw))


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def to_markdown(result: Result) -> str:
    """A GitHub-flavoured Markdown table with Swedish number formatting."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    numeric = [
        bool(result.rows) and all(_is_number(r[i]) or r[i] is None for r in result.rows)
        for i in range(len(result.columns))
    ]
    lines = []
    if result.title:
        lines += [f"**{cell(result.title)}**", ""]
    lines.append("| " + " | ".join(cell(c) for c in result.columns) + " |")
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    for row in result.rows:
        lines.append(
            "| "
            + " | ".join(
                cell(format_value(v, c, plain=result.plain))
                for v, c in zip(row, result.columns, strict=False)
            )
            + " |"
        )
    if result.source:
        lines += ["", f"Källa: {cell(result.source)}"]
    return "\n".join(lines) + "\n"


def write_xlsx(result: Result, path: Path) -> Path:
    """Write one answer as a spreadsheet (see write_workbook)."""
    return write_workbook([(result.question or "resultat", result)], path)


def write_workbook(sheets: list[tuple[str, Result]], path: Path) -> Path:
    """Write a real spreadsheet: per answer a sheet with its title and parameters on top, then
    an Excel table (filters) with numbers as numbers (`#,##0`); several answers get a contents
    sheet first."""
    import xlsxwriter  # only exports need it
    import xlsxwriter.exceptions

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    try:
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "bold": workbook.add_format({"bold": True}),
            "integer": workbook.add_format({"num_format": "#,##0;[Red]-#,##0"}),
            "decimal": workbook.add_format(
                {"num_format": "#,##0.0#########;[Red]-#,##0.0#########"}
            ),
            "plain": workbook.add_format({"num_format": "0"}),
            "link": workbook.add_format({"font_color": "blue", "underline": 1}),
        }
        names = _sheet_names([name for name, _ in sheets])
        if len(sheets) > 1:
            contents = workbook.add_worksheet("Innehåll")
            heads = ("blad", "titel", "parametrar", "rader", "källa")
            for c, head in enumerate(heads):
                contents.write_string(0, c, head, styles["bold"])
            for r, (name, (_, result)) in enumerate(zip(names, sheets, strict=True), start=1):
                contents.write_url(r, 0, f"internal:'{name}'!A1", styles["link"], name)
                contents.write_string(r, 1, result.title or "")
                contents.write_string(r, 2, _params_text(result))
                contents.write_number(r, 3, result.row_count)
                contents.write_string(r, 4, result.source or "")
            for c, w in enumerate((24, 50, 40, 8, 30)):
                contents.set_column(c, c, w)
        for name, (_, result) in zip(names, sheets, strict=True):
            _write_sheet(workbook.add_worksheet(name), result, styles)
    finally:
        try:
            workbook.close()
        except xlsxwriter.exceptions.FileCreateError as err:  # e.g. a missing directory
            cause = err.args[0] if err.args and isinstance(err.args[0], OSError) else None
            raise cause or OSError(str(err)) from None
    return path


def _params_text(result: Result) -> str:
    return ", ".join(
        f"{k} = {format_value(v, k, plain=result.plain)}" for k, v in result.params.items()
    )


def _sheet_names(wanted: list[str]) -> list[str]:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    names: list[str] = []
    for name in wanted:
        base = "".join("_" if ch in "[]:*?/\\'" else ch for ch in name).strip() or "blad"
        candidate, n = base[:31], 1
        while candidate.lower() in {x.lower() for x in names} or candidate.lower() == "innehåll":
            n += 1
            candidate = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        names.append(candidate)
    return names


def _write_sheet(sheet: Any, result: Result, styles: dict[str, Any]) -> None:
    top = 0
    if result.title:
        sheet.write_string(top, 0, result.title, styles["title"])
        top += 1
    if result.params:
        sheet.write_string(top, 0, "Parametrar: " + _params_text(result))
        top += 1
    if top:
        top += 1  # a blank row between the heading and the table
    headers = _unique([str(c) or f"kolumn{i + 1}" for i, c in enumerate(result.columns)])
    widths = [len(c) + 4 for c in headers]
    for r, row in enumerate(result.rows, start=top + 1):
        for c, value in enumerate(row):
            raw = _raw(value)
            name = result.columns[c]
            if raw is None:
                sheet.write_blank(r, c, None)
            elif isinstance(raw, bool):
                sheet.write_boolean(r, c, raw)
            elif isinstance(raw, int):
                plain = _plain_int(name, result.plain)
                sheet.write_number(r, c, raw, styles["plain" if plain else "integer"])
                widths[c] = max(widths[c], len(str(raw)) + 3)
            elif isinstance(raw, float):
                sheet.write_number(r, c, raw, styles["decimal"])
                widths[c] = max(widths[c], 12)
            else:
                text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
                sheet.write_string(r, c, text)
                widths[c] = max(widths[c], min(60, len(text)))
    if headers:
        if result.rows:
            sheet.add_table(
                top,
                0,
                top + len(result.rows),
                len(headers) - 1,
                {"columns": [{"header": h} for h in headers], "style": "Table Style Light 9"},
            )
        else:
            for c, h in enumerate(headers):
                sheet.write_string(top, c, h, styles["bold"])
    for c, w in enumerate(widths):
        sheet.set_column(c, c, max(10, w))
    sheet.freeze_panes(top + 1, 0)
    if result.source:
        sheet.write_string(top + len(result.rows) + 2, 0, "Källa: " + result.source)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = name.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{name}_{seen[key]}")
    return out


RENDERERS = {
    "json": to_json,
    "csv": to_csv,
    "excel-csv": to_excel_csv,
    "md": to_markdown,
}
SUFFIXES = {"table": "txt", "csv": "csv", "excel-csv": "csv", "json": "json", "md": "md"}


def render(
    result: Result,
    fmt: str = "table",
    width: int = 100,
    max_rows: int | None = 50,
    null: str = NULL,
    vertical: bool = False,
) -> str:
    """Render in one of the text formats (xlsx is written with write_xlsx)."""
    if fmt in RENDERERS:
        return RENDERERS[fmt](result)
    if vertical:
        return render_vertical(result, width=width, max_rows=max_rows, null=null)
    return render_table(result, width=width, max_rows=max_rows, null=null)


# --- charts ---------------------------------------------------------------------------------

BLOCKS = " ▏▎▍▌▋▊▉█"


def chart_spec(spec: str) -> tuple[str, dict[str, str]]:
    """The kind and options of a chart spec: `bar x=år y=belopp_tkr`, a value with spaces in
    quotes (`legend="(k) = med kontroll"`); a spec that does not parse is read word by word."""
    try:
        words = shlex.split(spec)
    except ValueError:
        words = spec.split()
    opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return (words[0] if words else "bar"), opts


def chart(result: Result, width: int = 80, spec: str | None = None) -> str:
    """A terminal chart: horizontal bars of a label column against a number column, or a matrix."""
    kind, opts = chart_spec(spec or result.chart or "")
    if kind == "matrix":
        return _matrix(result, opts)
    if kind == "line" and {opts.get("x"), opts.get("y"), opts.get("series")} <= set(result.columns):
        return _lines(result, opts["x"], opts["y"], opts["series"], width)
    cols = list(result.columns)
    num_cols = [
        i
        for i, c in enumerate(cols)
        if result.rows
        and all(_is_number(r[i]) or r[i] is None for r in result.rows)
        and not _plain_int(c, result.plain)
    ]
    if not result.rows or not num_cols:
        return "(inget att rita: resultatet saknar en talkolumn)"
    y = cols.index(opts["y"]) if opts.get("y") in cols else num_cols[0]
    label_cols = [i for i in range(len(cols)) if i != y and i not in num_cols]
    if opts.get("x") in cols:
        label_cols = [cols.index(opts["x"])]
    if opts.get("series") in cols:
        label_cols = [cols.index(opts["series"])] + [
            i for i in label_cols if i != cols.index(opts["series"])
        ]
    rows = result.rows[:60]
    labels = [
        " ".join(format_value(r[i], cols[i], plain=result.plain) for i in label_cols[:2])
        or str(n + 1)
        for n, r in enumerate(rows)
    ]
    values = [float(r[y] or 0) for r in rows]
    label_w = min(36, max(_width(label) for label in labels))
    number_w = max(len(format_value(r[y], cols[y], plain=result.plain)) for r in rows)
    bar_w = max(10, width - label_w - number_w - 4)
    top = max(abs(v) for v in values) or 1
    lines = [safe(result.title or cols[y]) + f" ({cols[y]})"]
    for label, value, row in zip(labels, values, rows, strict=True):
        units = abs(value) / top * bar_w
        full, part = int(units), int((units - int(units)) * 8)
        bar = "█" * full + (BLOCKS[part] if part else "")
        shown = label if _width(label) <= label_w else label[: label_w - 1] + "…"
        lines.append(
            f"{shown}{' ' * (label_w - _width(shown))} │{bar:<{bar_w}} "
            f"{format_value(row[y], cols[y], plain=result.plain):>{number_w}}"
            + (" (neg.)" if value < 0 else "")
        )
    if len(result.rows) > len(rows):
        lines.append(f"… {len(result.rows) - len(rows)} rader till visas inte")
    if result.source:
        lines.append("Källa: " + result.source)
    return "\n".join(lines)


SPARKS = "▁▂▃▄▅▆▇█"


def _lines(result: Result, x: str, y: str, series: str, width: int) -> str:
    """One line per series: how it moves over x (a sparkline), from its first to its last value."""
    cols = list(result.columns)
    xi, yi, si = cols.index(x), cols.index(y), cols.index(series)
    groups: dict[Any, list[tuple[Any, Any]]] = {}
    for row in result.rows:
        groups.setdefault(row[si], []).append((row[xi], row[yi]))
    xs = sorted({row[xi] for row in result.rows})
    label_w = min(32, max(8, width // 3), max((_width(str(k)) for k in groups), default=4))
    lines = [
        safe(result.title or y)
        + f" ({y} per {x}: {format_value(xs[0], x, plain=result.plain)}–"
        + f"{format_value(xs[-1], x, plain=result.plain)};"
        + " negativa serier ritas som belopp)"
    ]
    for key, points in groups.items():
        values = [float(v) for _, v in sorted(points) if v is not None]
        if not values:
            continue
        if all(v <= 0 for v in values):
            values = [-v for v in values]  # costs: the line shows their size, growing upwards
        low, high = min(values), max(values)
        span = high - low
        spark = "".join(
            SPARKS[0 if span == 0 else int((v - low) / span * (len(SPARKS) - 1))] for v in values
        )
        label = str(key) if _width(str(key)) <= label_w else str(key)[: label_w - 1] + "…"
        first, last = sorted(points)[0][1], sorted(points)[-1][1]
        change = (
            f"{format_value(first, y, plain=result.plain)} → "
            f"{format_value(last, y, plain=result.plain)}"
        )
        lines.append(
            f"{safe(label)}{' ' * (label_w - _width(label))} │ {spark:<{len(xs)}} │ {change}"
        )
    if result.source:
        lines.append("Källa: " + result.source)
    return "\n".join(lines)


def _matrix(result: Result, opts: dict[str, str]) -> str:
    """A grid of counts over two integer levels: `matrix x=… y=… [count=…] [marked=…]
    [levels=1..4] [title=…] [legend=…]`; each cell shows its count and, with `marked`, how many
    of them are marked (in brackets)."""
    cols = list(result.columns)
    x, y = opts.get("x", ""), opts.get("y", "")
    if x not in cols or y not in cols:
        return "(inget att rita: ange kolumnerna, t.ex. .chart matrix x=KOLUMN y=KOLUMN)"
    xi, yi = cols.index(x), cols.index(y)
    ni = cols.index(opts["count"]) if opts.get("count") in cols else None
    ki = cols.index(opts["marked"]) if opts.get("marked") in cols else None
    grid: dict[tuple[Any, Any], tuple[int, int]] = {}
    for row in result.rows:
        count = int(row[ni] or 0) if ni is not None else 1
        marked = int(row[ki] or 0) if ki is not None else 0
        old = grid.get((row[xi], row[yi]), (0, 0))
        grid[(row[xi], row[yi])] = (old[0] + count, old[1] + marked)
    xs, ys = _levels(opts, [k[0] for k in grid]), _levels(opts, [k[1] for k in grid])[::-1]
    what = opts.get("title") or (
        safe(opts.get("count", "antal")) + (f" (varav {safe(opts['marked'])})" if ki else "")
    )
    lines = [f"{safe(what)} — {safe(y)} uppåt, {safe(x)} åt höger"]
    for yv in ys:
        cells = []
        for xv in xs:
            n, k = grid.get((xv, yv), (0, 0))
            cells.append((f"{n:>2} ({k})" if ki is not None else f"{n:>2}") if n else "   ·   ")
        lines.append(f"{safe(y[:3])} {yv} │ " + " │ ".join(f"{c:^9}" for c in cells))
    lines.append("      └" + "─" * 12 * len(xs))
    lines.append("        " + "".join(f"{safe(x[:3])} {xv!s:<8}" for xv in xs))
    if opts.get("legend"):
        lines.append(safe(opts["legend"]))
    return "\n".join(lines)


def _levels(opts: dict[str, str], seen: list[Any]) -> list[Any]:
    """An axis: the spec's `levels=LOW..HIGH`, else every whole number from the lowest to the
    highest value seen (other values as they sort)."""
    low, sep, high = opts.get("levels", "").partition("..")
    if sep and low.strip().lstrip("-").isdigit() and high.strip().lstrip("-").isdigit():
        return list(range(int(low), int(high) + 1))
    values = [v for v in seen if v is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return list(range(min(values), max(values) + 1))
    return sorted(set(values), key=str)
