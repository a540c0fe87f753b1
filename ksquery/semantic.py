"""The semantic model of a data set, read from `[semantic]` in data/dictionary.toml.

Per table: the words that name it, its measure (the number that adds up) and other numeric
columns, its time column, the column that names a row, dimensions, flags, relations to other
tables, categories (`kinds`), levels of a hierarchy and a lexicon of other names for values.
The values themselves come from the data. From all of it one lexicon is built: a phrase of
normalised word stems -> the senses it can have. Nothing of any one document is written here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ksquery import cache, engine
from ksquery.catalog import Catalog
from ksquery.swedish import fold, known_stems, remember_stems, stem, use_words

MAX_PHRASE = 5  # longest phrase, in words, looked up as one unit


@dataclass(frozen=True)
class Sense:
    """One meaning a phrase can have: a table, a column, a value of a column, a flag …"""

    # table, measure, number, dimension, value, partial (a value named by one of its words),
    # flag, relation, category, level, time, op, filler
    kind: str
    table: str | None = None
    column: str | None = None
    value: Any = None


@dataclass
class TableModel:
    name: str
    noun: str
    label: str | None
    measure: str | None = None
    unit: str = ""
    signed: bool = False
    time: str | None = None
    order: str | None = None
    show: tuple[str, ...] = ()
    numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dimensions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relations: tuple[dict, ...] = ()
    kinds: dict | None = None
    levels: dict | None = None
    scales: dict[str, str] = field(default_factory=dict)
    who: str | None = None
    parent: str | None = None  # the column naming a row's parent ("enheter under X")
    year: str | None = None  # the one year a table without a time column is about ("budget_year")
    parents: dict[str, list[str]] = field(default_factory=dict)  # row -> the rows it sums into
    leaves: tuple[str, ...] = ()  # rows that are no sum of other rows
    kind_rows: dict[str, list[str]] = field(default_factory=dict)  # category -> its rows
    separators: dict[str, str] = field(default_factory=dict)
    years: tuple[int, ...] = ()  # the years the table holds, read from the data
    # the stems of each descriptive text column's words ("metod": stickprov, enkät …), so that
    # "kontroller som görs genom stickprov" can filter on what a column's text says
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> key -> stem


@dataclass
class Model:
    tables: dict[str, TableModel]
    lexicon: dict[tuple[str, ...], list[Sense]]
    budget_year: int | None
    time_phrases: list[dict]
    values: dict[tuple[str, str], list[str]]  # (table, column) -> the values in the data
    scale_words: dict[tuple[str, int], str]  # (scale, level) -> its word
    # where the scales' words live: {table, scale, level, word} ([semantic] scales)
    scale_source: dict[str, str] = field(default_factory=dict)

    def senses(self, key: tuple[str, ...]) -> list[Sense]:
        """The senses of a phrase of normalised stems (empty when unknown)."""
        return self.lexicon.get(key, [])


_WORD = re.compile(r"[^\W\d_][\w-]*")


def norm(word: str) -> str:
    """The form words are compared in: the stem, with å/ä/ö folded (so 'intakter' = 'intäkter').
    Short words keep their letters: 'är' (is) and 'år' (year) must not meet."""
    low = word.lower()
    return fold(stem(low)) if len(low) > 2 else low


def phrase_key(text: str) -> tuple[str, ...]:
    """The lexicon key of a phrase: each word's normalised stem."""
    return tuple(norm(w) for w in tokens(text) if not w.isdigit() or len(w) == 4)


_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[\wåäöÅÄÖéÉ]+(?:[-.][\wåäöÅÄÖéÉ]+)*-?|[≥≤<>=%]+")


def tokens(text: str) -> list[str]:
    """Lowercase tokens: words (hyphens kept inside), numbers and comparison signs."""
    return [t.rstrip("-").rstrip(".") or t for t in _TOKEN.findall(text.lower())]


# Bump when the model's layout or the way the lexicon is built changes.
MODEL_VERSION = "12"


def load(catalog: Catalog, grammar_words: Iterable[str] = ()) -> Model:
    """The catalog's semantic model, built once per data set and kept in the on-disk cache
    (reading the data's values and stemming every name costs ~50 ms; loading it ~2 ms)."""
    model = catalog.derived.semantic
    if model is None:
        raw = catalog.dictionary.semantic or {}
        use_words(dict(raw.get("synonyms") or {}), dict(raw.get("abbreviations") or {}))
        words = list(grammar_words)
        # the grammar's words are part of what is stored (their stems): a new word, a new entry
        grammar = hashlib.sha256("\n".join(words).encode()).hexdigest()[:12]
        key = f"semantic-{MODEL_VERSION}-{catalog.fingerprint}-{grammar}"
        stored = cache.load(key)
        try:
            model = _from_json(stored) if stored is not None else None
        except (KeyError, TypeError, ValueError):
            model = None  # a damaged or foreign entry: build again
        if model is None:
            model = _build(catalog)
            for phrase in words:  # their stems go into the cache too
                for word in phrase.split():
                    norm(word)
            cache.store(key, _to_json(model))
        catalog.derived.semantic = model
    return model


def _to_json(model: Model) -> dict:
    return {
        "tables": {n: asdict(t) for n, t in model.tables.items()},
        "lexicon": [[list(k), [asdict(s) for s in v]] for k, v in model.lexicon.items()],
        "budget_year": model.budget_year,
        "time_phrases": model.time_phrases,
        "values": [[list(k), v] for k, v in model.values.items()],
        "scale_words": [[list(k), v] for k, v in model.scale_words.items()],
        "scale_source": model.scale_source,
        "stems": known_stems(),
    }


def _from_json(data: dict) -> Model:
    remember_stems(data["stems"])
    tables = {}
    for name, spec in data["tables"].items():
        spec = dict(spec)
        for key in ("show", "relations", "years", "leaves"):
            spec[key] = tuple(spec[key])
        for key in ("numbers", "dimensions", "flags"):
            spec[key] = {k: tuple(v) for k, v in spec[key].items()}
        tables[name] = TableModel(**spec)
    return Model(
        tables=tables,
        lexicon={tuple(k): [Sense(**s) for s in v] for k, v in data["lexicon"]},
        budget_year=data["budget_year"],
        time_phrases=data["time_phrases"],
        values={(k[0], k[1]): v for k, v in data["values"]},
        scale_words={(k[0], int(k[1])): v for k, v in data["scale_words"]},
        scale_source=dict(data.get("scale_source") or {}),
    )


def _strs(items: Any) -> tuple[str, ...]:
    return tuple(str(i) for i in (items or ()))


def _build(catalog: Catalog) -> Model:
    raw = catalog.dictionary.semantic or {}
    meta = catalog.dictionary.meta
    budget_year = int(meta["budget_year"]) if "budget_year" in meta else None
    lexicon: dict[tuple[str, ...], list[Sense]] = {}
    values: dict[tuple[str, str], list[str]] = {}

    def add(phrase: str, sense: Sense) -> None:
        key = phrase_key(phrase)
        if key and sense not in lexicon.setdefault(key, []):
            lexicon[key].append(sense)

    scale_spec = raw.get("scales") or {}
    scale_words: dict[tuple[str, int], str] = {}
    if scale_spec.get("table") in catalog.tables:
        sql = (
            f'SELECT "{scale_spec["scale"]}", "{scale_spec["level"]}", "{scale_spec["word"]}" '
            f'FROM "{scale_spec["table"]}"'
        )
        for scale, level, word in _rows(catalog, sql):
            scale_words[(str(scale), int(level))] = str(word)

    tables: dict[str, TableModel] = {}
    specs = dict(raw.get("tables") or {})
    claims = ((catalog.dictionary.meta.get("roles") or {}).get("claims") or {}).get("table")
    provenance = _provenance(catalog)
    common = _common_words(catalog)
    for name in catalog.tables:
        if (
            name not in specs and name != claims
        ):  # a table the model does not describe: read what the data shows
            specs[name] = _default_spec(catalog, name)
    for name, spec in specs.items():
        table = catalog.tables.get(name)
        if table is None:
            continue
        measure = spec.get("measure") or {}
        kinds = spec.get("kinds")
        tm = TableModel(
            name=name,
            noun=str(spec.get("noun", name)),
            label=spec.get("label"),
            measure=measure.get("column"),
            unit=str(measure.get("unit", "")),
            signed=bool(measure.get("signed", False)),
            time=spec.get("time"),
            order=spec.get("order"),
            show=_strs(spec.get("show")),
            numbers={k: _strs(v) for k, v in (spec.get("numbers") or {}).items()},
            dimensions={k: _strs(v) for k, v in (spec.get("dimensions") or {}).items()},
            defaults={k: str(v) for k, v in (spec.get("defaults") or {}).items()},
            flags={k: _strs(v) for k, v in (spec.get("flags") or {}).items()},
            relations=tuple(spec.get("relations") or ()),
            kinds=kinds,
            levels=spec.get("levels"),
            scales={k: str(v) for k, v in (spec.get("scales") or {}).items()},
            who=spec.get("who"),
            parent=(spec.get("parent") or {}).get("column"),
            year=spec.get("year"),
            separators=dict(table.entity_separators),
        )
        if tm.time:
            tm.years = tuple(
                int(y)
                for (y,) in _rows(
                    catalog,
                    f'SELECT DISTINCT "{tm.time}" FROM "{name}" WHERE "{tm.time}" '
                    f"IS NOT NULL ORDER BY 1",
                )
            )
        for text_column in table.search:
            if text_column in (tm.label, *table.entities) or not table.column(text_column):
                continue  # names are values already; only descriptive text here
            vocab: dict[str, str] = {}
            for (text,) in _rows(catalog, f'SELECT DISTINCT "{text_column}" FROM "{name}"'):
                for w in _WORD.findall(str(text or "").lower()):
                    if len(stem(w)) >= 4:
                        vocab.setdefault(norm(w), stem(w))  # compared folded, matched as written
            tm.texts[text_column] = dict(sorted(vocab.items()))
        tables[name] = tm
        add(name, Sense("table", name))
        for w in _strs(spec.get("words")) + table.aliases:
            add(w, Sense("table", name))
        if tm.measure:
            for w in (tm.measure, *_strs(measure.get("words"))):
                add(w, Sense("measure", name, tm.measure))
        for col, words in tm.numbers.items():
            for w in (col, *words):
                add(w, Sense("number", name, col))
        for col, words in tm.dimensions.items():
            for w in (col, *words):
                add(w, Sense("dimension", name, col))
        for column in table.columns:  # every column may be asked for by name ("vilken metod")
            if column.name == tm.time or column.name in provenance:
                continue  # "år" is read as time; "i tabellen" names no column to show
            parts = [w for w in column.name.split("_") if len(w) > 3 and not w.isdigit()]
            numeric = column.type.startswith(_NUMERIC) and column.name not in (tm.time, tm.order)
            kind = "number" if numeric and not column.name.endswith("_id") else "dimension"
            for w in {column.name, column.name.replace("_", " "), *parts[:1]}:
                add(w, Sense(kind, name, column.name))
        if kinds and tm.label:
            column = kinds["column"]
            for kind, row in _rows(
                catalog, f'SELECT DISTINCT "{column}", "{tm.label}" FROM "{name}" ORDER BY 2'
            ):
                if kind is not None and row is not None:
                    tm.kind_rows.setdefault(str(kind), []).append(str(row))
        sums = table.sums or {}
        parent_column = (
            sums.get("parent") if sums.get("row") == tm.label else None
        ) or tm.parent  # the rows a row sums into, or the row it belongs to ("överordnad")
        if tm.label and parent_column:
            pairs = _rows(
                catalog,
                f'SELECT DISTINCT "{tm.label}", "{parent_column}" FROM "{name}" ORDER BY 1, 2',
            )
            for row, parent in pairs:
                if parent is not None:
                    tm.parents.setdefault(str(row), []).append(str(parent))
            containers = {p for ps in tm.parents.values() for p in ps}
            tm.leaves = tuple(sorted({str(r) for r, _ in pairs} - containers))
            if parent_column == tm.parent:
                # a root that is no row of its own ("under kommunstyrelsen"): a value of the
                # parent column, so its children are the rows that name it
                for root in sorted(containers - {str(r) for r, _ in pairs}):
                    add(root, Sense("value", name, parent_column, root))
        for w in _strs((spec.get("parent") or {}).get("words")):
            add(w, Sense("parent", name, tm.parent))
        for col, words in tm.flags.items():
            for w in words:
                add(w, Sense("flag", name, col))
        for i, rel in enumerate(tm.relations):
            for w in _strs(rel.get("words")):
                add(w, Sense("relation", name, str(rel.get("key")), i))
        if tm.levels and not kinds:  # "objekt", "kategorier": the rows of one level
            for value in tm.levels.get("order") or ():
                add(str(value), Sense("category", name, str(tm.levels["column"]), value))
        if kinds:
            for value, words in (kinds.get("values") or {}).items():
                for w in (value, *_strs(words)):
                    add(w, Sense("category", name, kinds["column"], value))
        for col, scale in tm.scales.items():
            column_words = {phrase_key(col)}
            for (s, level), word in scale_words.items():
                # 'Sannolik' (level 4) and 'sannolikhet' (the scale) share a stem: the name
                # of the scale wins
                if s == scale and phrase_key(word) not in column_words:
                    add(word, Sense("level", name, col, level))
        # values from the data: whole names, and words that name one value alone
        value_cols = [c for c in (*table.entities, tm.label) if c]
        for col in dict.fromkeys(value_cols):
            found = _values(catalog, name, col, tm.separators.get(col))
            values[(name, col)] = found
            for value in found:
                add(value, Sense("value", name, col, value))
            for word, value in _distinctive(found, common).items():
                add(word, Sense("partial", name, col, value))
        for col, names in table.entity_aliases.items():
            for alias, value in names.items():
                add(alias, Sense("value", name, col, value))
        for col, names in (spec.get("values") or {}).items():
            for value, words in names.items():
                for w in _strs(words):
                    add(w, Sense("value", name, col, value))
    for w in _strs(raw.get("filler")):
        add(w, Sense("filler"))
    for w in _strs(raw.get("owner")):  # the document's own nämnd: a filter where it is a value
        add(w, Sense("owner"))
    for w in _strs(raw.get("absent")):  # what the document does not hold, though it sounds so
        add(w, Sense("absent"))
    time_phrases = list(raw.get("time") or ())
    for i, phrase in enumerate(time_phrases):
        for w in _strs(phrase.get("words")):
            add(w, Sense("time", value=i))
    source = {k: str(scale_spec[k]) for k in ("table", "scale", "level", "word") if scale_words}
    return Model(tables, lexicon, budget_year, time_phrases, values, scale_words, source)


_NUMERIC = ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL")


def _provenance(catalog: Catalog) -> set[str]:
    """The columns that say where a row stands in the document ([meta.roles]), not what it is."""
    roles = catalog.dictionary.meta.get("roles") or {}
    return {str(roles[k]) for k in ("line", "section", "source_table") if roles.get(k)}


def _default_spec(catalog: Catalog, name: str) -> dict:
    """A semantic spec from the dictionary and the data alone, for a table `[semantic]` leaves
    out: its name and aliases name it, its first entity (or text) column names a row, an integer
    column whose values are all years is its time, and its last other number is its measure."""
    table = catalog.tables[name]
    provenance = _provenance(catalog)
    columns = [c for c in table.columns if c.name not in provenance]
    label = (table.entities or (None,))[0]  # values of long text columns would be noise
    time = None
    for c in columns:
        if c.type in ("INTEGER", "BIGINT"):
            low, high = _rows(catalog, f'SELECT min("{c.name}"), max("{c.name}") FROM "{name}"')[0]
            if low is not None and 1900 <= low <= high <= 2100:
                time = c.name
                break
    numbers = [c.name for c in columns if c.type.startswith(_NUMERIC) and c.name != time]
    spec: dict = {"words": [name], "label": label, "show": [c.name for c in columns]}
    if time:
        spec["time"] = time
    if numbers:
        spec["measure"] = {"column": numbers[-1]}
    return spec


def _rows(catalog: Catalog, sql: str) -> list[tuple]:
    return list(engine.execute(catalog.con, sql, {}, timeout=10).rows)


def _values(catalog: Catalog, table: str, column: str, separator: str | None) -> list[str]:
    sql = f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL'
    out: set[str] = set()
    for (value,) in _rows(catalog, sql):
        parts = value.split(separator) if separator else [value]
        out.update(p.strip() for p in parts if p.strip())
    return sorted(out)


_SHORT = 5  # shorter words ('följs', 'nere') name no one thing


COMMON_ROWS = 3  # a word in more rows of the document's text than this names no one thing


def _common_words(catalog: Catalog) -> set[str]:
    """Words (compared form) that many rows of the document's text use: 'samordningen' of
    "Utöka samordningen av personalresurser" is everywhere, so it cannot name that inquiry."""
    rows_with: dict[str, int] = {}
    for name, table in catalog.tables.items():
        if not table.search:
            continue
        cols = " || ' ' || ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), '')" for c in table.search)
        for (text,) in _rows(catalog, f'SELECT {cols} FROM "{name}"'):
            for w in {norm(t) for t in tokens(text or "") if len(t) > _SHORT}:
                rows_with[w] = rows_with.get(w, 0) + 1
    return {w for w, n in rows_with.items() if n > COMMON_ROWS}


def _distinctive(found: list[str], common: set[str]) -> dict[str, str]:
    """Words of a multi-word value that occur in no other value of the column and in few rows of
    the document's text: 'Bälinge' names Bälinge företagspark, 'e-arkiv' the inquiry about an
    e-archive."""
    owners: dict[str, set[str]] = {}
    for value in found:
        if len(tokens(value)) < 2:
            continue  # a one-word value is named whole
        for w in (w for w in tokens(value) if len(w) > _SHORT and not w.isdigit()):
            owners.setdefault(norm(w), set()).add(value)
    out = {}
    for value in found:
        for w in tokens(value):
            if len(w) > _SHORT and owners.get(norm(w)) == {value} and norm(w) not in common:
                out[w] = value
    return out
