"""Swedish text -> (named question, parameters) with alternatives, or ranked document paragraphs.

Offline and deterministic: words are stemmed (Snowball, Swedish), matched fuzzily against each
question's title and aliases (rapidfuzz), and parameters are read from the text: years and spans,
thresholds, and entities looked up in the loaded tables themselves (posts, objects, risks, roles,
nämnder), so that a new data set brings its own words.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ksquery import cache, engine, plancache, questions, semantic
from ksquery import plan as plan_mod
from ksquery.catalog import Catalog
from ksquery.errors import NoAnswer, ParamError, did_you_mean
from ksquery.swedish import (
    NUMBER_WORDS,
    known_stems,
    remember_stems,
    spell_out,
    stem,
    stems,
    words,
)

INDEX_VERSION = "4"
CHANGE_WORDS = {
    "ökar",
    "ökning",
    "ökade",
    "minskar",
    "minskning",
    "förändring",
    "förändras",
    "skillnad",
    "jämfört",
    "varför",
    "förändringen",
    "ändras",
    "växer",
}
MONEY = re.compile(r"\bhur mycket\b|\bkostar\b|\bbelopp\b|\btkr\b|\bmnkr\b|\bkronor\b|\bpengar\b")
CHART_WORDS = ("diagram", "graf", "rita", "chart")
THRESHOLD = 62.0


def _number_columns(catalog: Catalog) -> list[str]:
    """Numeric columns the semantic model names with words (levels of a scale and the like)."""
    model = semantic.load(catalog)
    return list(dict.fromkeys(c for tm in model.tables.values() for c in tm.numbers))


def _selects_amount(catalog: Catalog, q: questions.Question) -> bool:
    """Whether a named question's SQL reads a measure that is an amount (has a unit)."""
    model = semantic.load(catalog)
    return any(tm.measure and tm.unit and tm.measure in q.sql for tm in model.tables.values())


def wants_chart(text: str) -> bool:
    """True for follow-ups like 'visa som diagram'."""
    low = text.lower()
    return any(w in low for w in CHART_WORDS) and len(words(text)) <= 5


@dataclass
class Extracted:
    years: list[int] = field(default_factory=list)
    span: tuple[int, int] | None = None
    threshold: int | None = None  # lower bound ("minst 6")
    maximum: int | None = None  # upper bound ("under 4" → 3)
    # a numeric column named with a level ("<column> 3"): column -> (low, high)
    attribute_bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    entities: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> value
    strength: dict[str, float] = field(default_factory=dict)  # value -> share of its name named
    rest: str = ""
    stems: frozenset[str] = frozenset()  # of the whole text, computed once for every question
    words: frozenset[str] = frozenset()
    change: bool = False  # the text asks about a change (ökar, minskar, förändring …)
    defaulted: frozenset[tuple[str, str]] = frozenset()  # columns the model gives a default
    tables_named: frozenset[str] = frozenset()  # numeric columns of the tables the text names


@dataclass
class Reading:
    question: questions.Question
    params: dict[str, Any]
    score: float
    names_a_thing: bool = False  # a parameter was filled with a thing named in the text


# --- parameters from text --------------------------------------------------------------------


def extract(catalog: Catalog, text: str) -> Extracted:
    """Read years, spans, thresholds and table entities from Swedish text."""
    low = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    ex = Extracted()
    budget_year = semantic.load(catalog).budget_year
    if m := re.search(r"\b(20\d\d)\s*(?:-|till|t\.o\.m\.?)\s*(20\d\d)\b", low):
        ex.span = (int(m.group(1)), int(m.group(2)))
    elif m := re.search(r"\bmellan\s+(20\d\d)\s+och\s+(20\d\d)\b", low):
        ex.span = (int(m.group(1)), int(m.group(2)))
    elif m := re.search(r"\bfrån\s+(20\d\d)\s+till\s+(20\d\d)\b", low):
        ex.span = (int(m.group(1)), int(m.group(2)))
    ex.years = [int(y) for y in re.findall(r"(?<![\d,.])(20\d\d)(?![\d,])", low)]
    if budget_year is not None:  # without one, relative years stay unread
        if re.search(r"\bnästa år\b", low):
            ex.years.append(budget_year + 1)
        if re.search(r"\b(i år|innevarande år|budgetåret)\b", low):
            ex.years.append(budget_year)
        if re.search(r"\bförra året\b|\bföregående år\b", low) and not ex.years:
            ex.years.append(budget_year - 1)
    ex.threshold, ex.maximum = _bounds(low)
    for attribute in _number_columns(catalog):
        if m := re.search(rf"{attribute}(?:en)?\s*(?:=|på|är|lika med)?\s*{_NUM}\b", low):
            raw = m.group(1)
            level = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
            ex.attribute_bounds[attribute] = (level, level)
            if ex.threshold == level and ex.maximum == level:
                ex.threshold = ex.maximum = None  # the number bounded the attribute, not riskvärde
    ex.entities = _entities(catalog, low, ex.strength)
    ex.rest = low
    ex.stems = frozenset(stems(low))
    ex.words = frozenset(words(low))
    ex.change = bool(CHANGE_WORDS & ex.words)
    model = semantic.load(catalog)
    ex.defaulted = frozenset((t, c) for t, tm in model.tables.items() for c in tm.defaults)
    said = {semantic.norm(w) for w in ex.words}
    ex.tables_named = frozenset(
        c for tm in model.tables.values() if semantic.norm(tm.name) in said for c in tm.numbers
    )
    return ex


_NUM = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
# (pattern, which bound it sets, adjustment): "över 5" means at least 6, "under 4" at most 3.
_BOUNDS = [
    (rf"(?:≥|>=|minst|lägst|åtminstone)\s*{_NUM}\b", "min", 0),
    (rf"\b{_NUM}\s+eller\s+(?:mer|högre|större|över)", "min", 0),
    (rf"(?:>|över|högre än|större än|mer än)\s*{_NUM}\b", "min", 1),
    (rf"(?:≤|<=|högst|max|maximalt|som mest)\s*{_NUM}\b", "max", 0),
    (rf"\b{_NUM}\s+eller\s+(?:mindre|lägre|under)", "max", 0),
    (rf"(?:<|under|lägre än|mindre än)\s*{_NUM}\b", "max", -1),
    (
        rf"(?:\w*värde|\w*värdet)\s*(?:=|på|är|lika med)?\s*{_NUM}\b(?!\s*(?:eller|och))",
        "exact",
        0,
    ),
    (rf"(?:exakt|precis|lika med)\s*{_NUM}\b", "exact", 0),
]


def _bounds(low: str) -> tuple[int | None, int | None]:
    """Lower and upper bounds a text puts on a value: 'minst 6', 'under 4', 'värde 3'."""
    low_bound = high_bound = None
    for pattern, kind, adjust in _BOUNDS:
        m = re.search(pattern, low)
        if not m:
            continue
        raw = m.group(1)
        value = (int(raw) if raw.isdigit() else NUMBER_WORDS[raw]) + adjust
        if value >= 100:
            continue
        if kind == "exact":
            if low_bound is None and high_bound is None:
                low_bound = high_bound = value
        elif kind == "min" and low_bound is None:
            low_bound = value
        elif kind == "max" and high_bound is None:
            high_bound = value
    return low_bound, high_bound


def _entity_index(catalog: Catalog) -> list[tuple[str, str, str, tuple[str, ...]]]:
    if catalog.derived.entities is None:
        _load_index(catalog)
    assert catalog.derived.entities is not None
    return catalog.derived.entities


def _load_index(catalog: Catalog) -> None:
    """Entity values and the stems of every word the questions and data use, cached on disk.

    Keyed by the data set's fingerprint and the named questions' words, so a one-shot question
    needs neither DuckDB look-ups nor the Snowball stemmer for words it has seen before.
    """
    from ksquery.search import documents

    named = catalog.derived.named or questions.load_all()
    vocabulary = sorted(
        {
            w
            for q in named.values()
            for w in words(" ".join((q.title, q.id.replace("_", " "), *q.aliases)))
        }
    )
    digest = hashlib.sha256(f"{INDEX_VERSION}|{catalog.fingerprint}|{vocabulary}".encode())
    key = "ask-index-" + digest.hexdigest()[:24]
    try:
        data: Any = cache.load(key)
        entities = [(t, c, v, tuple(st)) for t, c, v, st in data["entities"]]
        known, common = set(data["known"]), set(data["common"])
        if not isinstance(data["stems"], dict):
            raise TypeError("stems")
        remember_stems(data["stems"])  # last: a damaged index must not leave stems behind
    except (ValueError, KeyError, TypeError):  # absent (None), damaged or foreign
        entities = []
        for table in catalog.tables.values():
            for col in table.entities:
                sql = f'SELECT DISTINCT "{col}" FROM "{table.name}" WHERE "{col}" IS NOT NULL'
                separator = table.entity_separators.get(col)
                values = {
                    part.strip()
                    for (value,) in engine.execute(catalog.con, sql, {}, timeout=10).rows
                    for part in (str(value).split(separator) if separator else [str(value)])
                }
                for value in sorted(values - {""}):
                    entities.append((table.name, col, value, tuple(stems(value))))
            # other names the document uses for a value ("IT-avdelningen")
            for col, names in table.entity_aliases.items():
                for alias, value in names.items():
                    entities.append((table.name, col, value, tuple(stems(alias))))
        for w in vocabulary:
            stem(w)
        docs = documents(catalog)
        frequency = Counter(t for d in docs for t in d[4])
        # Words in more than a tenth of the paragraphs say little about which thing is meant.
        common = {t for t, n in frequency.items() if n > max(3, len(docs) // 10)}
        known = set(frequency) | {w for e in entities for w in e[3]} | {stem(w) for w in vocabulary}
        index = {
            "stems": known_stems(),
            "entities": entities,
            "known": sorted(known),
            "common": sorted(common),
        }
        cache.store(key, index)  # a read-only cache only costs speed
    catalog.derived.entities = entities
    catalog.derived.known = known
    catalog.derived.common = common


def _unique_words(catalog: Catalog) -> set[tuple[str, str, str]]:
    """(table, column, stem) where a long word occurs in exactly one value of that column:
    'intäkterna' names Verksamhetens intäkter, 'energibrist' names Energibrist/effektbrist."""
    derived = catalog.derived
    if derived.unique_words is None:
        counts = Counter((t, c, w) for t, c, _, v in _entity_index(catalog) for w in set(v))
        derived.unique_words = {
            k for k, n in counts.items() if n == 1 and len(k[2]) >= 5 and k[2] not in derived.common
        }
    return derived.unique_words


def _entities(catalog: Catalog, low: str, strength: dict[str, float]) -> dict[tuple[str, str], str]:
    """Things from the data the text names, by (table, column); `strength` gets how much of each
    name the text holds (1.0 whole, about 0.3 for one distinctive word of a long name)."""
    from rapidfuzz import fuzz  # only for words not met before

    index = _entity_index(catalog)  # first: it preloads the stems of known words
    text_stems = stems(low)
    text_words = words(low)
    found: dict[tuple[str, str], tuple[float, str, float]] = {}
    unique = _unique_words(catalog)
    for table, col, value, value_stems in index:
        if not value_stems:
            continue
        hits = 0.0
        for vs in value_stems:
            best = max((fuzz.ratio(vs, ts) for ts in text_stems if ts[:3] == vs[:3]), default=0)
            if best >= 86 or any(ts.startswith(vs) and len(vs) >= 5 for ts in text_stems):
                hits += len(vs)
        if hits == 0 and len(value_stems) == 1:
            # The stemmer cuts some words short ('Fastigheter' -> 'fast'); a long shared prefix
            # of the words as written still names the thing ('fastighetsinvesteringar').
            written = words(value)
            if written and len(written[0]) >= 6:
                prefix = written[0][: max(6, len(written[0]) - 3)]
                if any(w.startswith(prefix) for w in text_words):
                    hits = len(value_stems[0])
        # Weighted by word length: the distinctive long words of a name carry it.
        share = hits / sum(len(v) for v in value_stems)
        distinctive = any((table, col, w) in unique and w in text_stems for w in value_stems)
        if share >= (1.0 if len(value_stems) == 1 else 0.5) or distinctive:
            score = share * 10 + len(value_stems)
            key = (table, col)
            if key not in found or score > found[key][0]:
                found[key] = (score, value, max(share, 0.34))
    strength.update({v: st for _, v, st in found.values()})
    return {k: v for k, (_, v, _) in found.items()}


# --- choosing the question ------------------------------------------------------------------


@lru_cache(maxsize=64)
def _phrases(question: questions.Question) -> tuple[str, ...]:
    title = re.sub(r"\{\w+\}", "", question.title)
    return tuple(
        " ".join(stems(p))
        for p in (title, *question.aliases, question.id.replace("_", " "))
        if stems(p)
    )


def _param_source(param: questions.Param) -> tuple[str, str] | None:
    """(table, column) whose values a parameter takes: the last identifier of the select list
    ('SELECT DISTINCT post FROM …', 'SELECT unnest(string_split(samordnas_av, …)) FROM …')."""
    if not param.choices_sql:
        return None
    m = re.search(
        r"select\s+(?:distinct\s+)?(.*?)\s+from\s+\"?(\w+)\"?", param.choices_sql, re.I | re.S
    )
    if not m:
        return None
    names = re.findall(r"[^\W\d]\w*", re.sub(r"'[^']*'", "", m.group(1)))
    known = [n for n in names if n.lower() not in ("distinct", "unnest", "string_split")]
    return (m.group(2).lower(), known[-1].lower()) if known else None


def _fill(q: questions.Question, ex: Extracted) -> tuple[dict[str, Any], float]:
    """Parameters this question can take from the text, and a bonus for how well they fit."""
    params: dict[str, Any] = {}
    bonus = 0.0
    names = {p.name for p in q.params}
    used: set[str] = set()
    for p in q.params:
        source = _param_source(p)
        if p.type == "text" and source and source in ex.entities:
            params[p.name] = ex.entities[source]
            used.add(ex.entities[source].casefold())
            bonus += 18 * max(0.5, ex.strength.get(ex.entities[source], 1.0))
        elif (
            p.type == "text"
            and source
            and "{" + p.name + "}" in q.title
            and source not in ex.defaulted
        ):
            # a question about one specific thing, but the text names none (or another kind)
            bonus -= 30 if ex.entities else 12
    # Every thing the text names should be explained: a question that leaves some unused
    # loses to one that uses them ("expl.enhetens personalkostnader": post and unit, not the unit).
    # Two things named by the same words (IT-Infrastruktur, the object, and "Avsaknad av
    # redundant IT-infrastruktur", the risk) compete for them: using one explains the other.
    used_stems = {w for v in used for w in stems(v)}
    text_stems = ex.stems
    unused = {
        v.casefold(): ex.strength.get(v, 1.0)
        for v in ex.entities.values()
        if v.casefold() not in used and (set(stems(v)) & text_stems) - used_stems
    }
    bonus -= 30 * sum(unused.values())  # a thing barely named weighs little
    title_years = {int(y) for y in re.findall(r"\b20\d\d\b", q.title)}
    if title_years & set(ex.years):
        bonus += 15  # "internkontrollplanen 2024" names the question about the 2024 plan
    for attribute, (low, high) in ex.attribute_bounds.items():
        if {f"min_{attribute}", f"max_{attribute}"} <= names:
            params[f"min_{attribute}"], params[f"max_{attribute}"] = low, high
            # a filter on rows when the text names their table; "vad innebär <column> 4"
            # asks what the level means
            bonus += 20 if attribute in ex.tables_named else 0
    for bound, prefix in ((ex.threshold, "min"), (ex.maximum, "max")):
        target = next((p.name for p in q.params if p.name.startswith(prefix)), None)
        if bound is not None and target:
            params[target] = bound
            bonus += 20 if prefix == "min" or ex.threshold is None else 0
    if {"per", "varje", "vardera"} & ex.words and " per " in q.title.lower():
        bonus += 10  # "per nämnd", "varje nämnd": the overview, not one of them
    years = sorted(set(ex.years))
    if ex.span and {"från", "till"} <= names:
        params["från"], params["till"] = ex.span
        bonus += 8
    elif years and {"från", "till"} <= names:
        params["från"], params["till"] = years[0], years[-1]
        if len(years) == 1 and ex.change:
            params["från"] = years[0] - 1  # "varför ökar X 2025?": compared with the year before
        bonus += 6
    elif years and "år" in names:
        params["år"] = years[0]
        bonus += 6
    return params, bonus


TIME_PHRASES = re.compile(r"\b(förra året|föregående år|nästa år|i år|innevarande år|budgetåret)\b")


def _in(word: str, vocabulary: set[str]) -> bool:
    """Whether a stem is known: exactly, by a typo (85 %), or as an inflected longer form that
    the Swedish stemmer left unstemmed ('snittet' of 'snitt')."""
    from rapidfuzz import fuzz, process  # only for words not met before

    if word in vocabulary:
        return True
    if any(word[:i] in vocabulary for i in range(len(word) - 1, 3, -1)):
        return True
    return process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=85) is not None


def _topic_words(text: str, entity_stems: set[str], vocabulary: set[str]) -> list[str]:
    """The stems that can tell questions apart: not numbers, times, named things, nor words
    that no question uses at all ('lägger', 'man') and that would only dilute the match."""
    text = TIME_PHRASES.sub(" ", text.lower())  # read as years, not as topic words
    out = []
    for s in stems(text):
        if re.fullmatch(r"\d+", s) or s in entity_stems:
            continue
        if _in(s, vocabulary):
            out.append(s)
    return out


def _vocabulary(named: Mapping[str, questions.Question]) -> set[str]:
    return {w for q in named.values() for phrase in _phrases(q) for w in phrase.split()}


def _score_text(core: str, q: questions.Question) -> float:
    from rapidfuzz import fuzz  # only for words not met before

    if not core:
        return 50.0  # only names and numbers: the parameters decide
    best = 0.0
    for phrase in _phrases(q):
        best = max(
            best,
            0.5 * fuzz.token_set_ratio(core, phrase) + 0.5 * fuzz.token_sort_ratio(core, phrase),
            fuzz.ratio(core, phrase),
        )
    return best


def interpret(
    catalog: Catalog,
    named: Mapping[str, questions.Question],
    text: str,
    context: dict | None = None,
) -> list[Reading]:
    """Readings of `text`, best first (scores 0–100+)."""
    if catalog.derived.named is None:  # the index is keyed by these questions' words
        catalog.derived.named = named
    ex = extract(catalog, text)
    change = ex.change
    readings = []
    entity_stems = {s for v in ex.entities.values() for s in stems(v)}
    topic = _topic_words(text, entity_stems, _vocabulary(named))
    core = " ".join(topic)
    # Words no question knows are ignored when the text names a thing from the data (that thing
    # carries the meaning); otherwise each one beyond the first lowers the confidence, so that
    # "vem vann valet 2022?" is not answered with whatever question shares the word "vem".
    unknown = [
        w
        for w in stems(TIME_PHRASES.sub(" ", text.lower()))
        if w not in topic and w not in entity_stems and not re.fullmatch(r"\d+", w)
    ]
    penalty = 0 if ex.entities else 10 * max(0, len(unknown) - 1)
    # A word found nowhere in the document ("simhallen", "äldreomsorgen") means the question is
    # about something the document does not cover: no named question should claim it.
    known = catalog.derived.known
    foreign = [w for w in unknown if len(w) >= 5 and not _in(w, known)]
    penalty += 40 * len(foreign)
    money = bool(MONEY.search(text.lower()))
    for q in named.values():
        params, bonus = _fill(q, ex)
        score = _score_text(core, q) + bonus - penalty
        if money:  # "hur mycket …", "kostar": the answer is an amount
            score += 10 if _selects_amount(catalog, q) else -10
        if CHANGE_WORDS & set(words(q.title)):
            score += 20 if change else -10
        named_values = set(ex.entities.values())
        readings.append(Reading(q, params, score, any(v in named_values for v in params.values())))
    readings.sort(key=lambda r: -r.score)
    follow = _follow_up(catalog, named, text, ex, context, core)
    if follow is not None:
        readings.insert(0, follow)
    return readings


def _follow_up(
    catalog, named, text, ex: Extracted, context: dict | None, core: str
) -> Reading | None:
    """'och 2027?', 'samma för exploateringsenheten', 'hur blir det 2027?': reuse the last
    question with new values, when the text opens like a follow-up or names no topic of its own."""
    if not context or context.get("question") not in named:
        return None
    low = text.lower().strip()
    opener = re.match(r"^(och|samma|än|hur är det med|men|då|för|hur blir det|vad blir det)\b", low)
    if not opener and core:
        return None
    q = named[context["question"]]
    params = dict(context.get("params", {}))
    new, _ = _fill(q, ex)
    if not new:
        return None
    # A thing the last question cannot take ("Bälinge företagspark 2025" after "kommunbidrag per
    # år") makes it a new question, not a follow-up.
    taken = {str(v).casefold() for v in new.values()}
    if any(v.casefold() not in taken for v in ex.entities.values()):
        return None
    params.update(new)
    return Reading(q, params, 200.0)


def answer(
    catalog: Catalog,
    named: Mapping[str, questions.Question],
    text: str,
    given: dict[str, Any],
    *,
    timeout: float | None = engine.DEFAULT_TIMEOUT,
    context: dict | None = None,
) -> engine.Result:
    """Answer a Swedish question with a composed plan, a named question or the document's text;
    raise NoAnswer naming what was not understood."""
    engine.check_question(text)  # matching grows with the text: bounded before it starts
    text = spell_out(text)
    token = text.strip()
    if re.fullmatch(r"\w+_\w+", token) and token not in named:
        # a question id with a typo ("risker_utan_kontrol"): run the id it is closest to
        close_ids = did_you_mean(token, named, cutoff=0.85)
        if close_ids:
            result = questions.run(catalog, named[close_ids[0]], given, timeout=timeout)
            return result.with_meta(notes=(f"Tolkat som: {close_ids[0]} (du skrev {token})",))
    # first: it adds the data set's own words, and preloads every stem the grammar needs
    model = semantic.load(catalog, plan_mod.grammar_words())
    if context and _is_follow_up(text):
        if context.get("text"):
            rest = FOLLOW_OPENER.sub("", text.lower().strip()).strip(" ?.!")
            text = plan_mod.merge_follow_up(model, str(context["text"]), rest)
        elif context.get("question") in named:
            # 'och 2027?' after a named question: the same question with the new values
            follow = _follow_up(catalog, named, text, extract(catalog, text), context, "")
            if follow is not None:
                result = questions.run(catalog, follow.question, follow.params, timeout=timeout)
                shown = ", ".join(f"{k} = {v}" for k, v in result.params.items())
                return result.with_meta(notes=(f"Tolkat som: {result.title} ({shown})",))
    absent, ordinal = plan_mod.marks(model, text)
    textual = plan_mod.is_textual(text) and not ordinal
    if absent:
        shown = ", ".join(f"'{w}'" for w in absent[:3])
        raise NoAnswer(f"det förstår jag inte: {shown} (det finns inte i dokumentet)")
    if textual:
        hits = _search(catalog, plan_mod.canonical(model, text), text)
        if hits is not None:
            return hits
    plain, clause = _without_restatement(text)
    first = plan_mod.parse(model, plain) if clause and not textual else None
    numbers = re.findall(r"\d+", clause)
    years_only = all(re.fullmatch(r"(?:19|20)\d\d", n) for n in numbers)
    if isinstance(first, plan_mod.Plan) and (
        not numbers or (years_only and not model.tables[first.table].time)
    ):
        # "hur många risker accepteras, alltså ska inte åtgärdas": the clause only says the
        # same again in other words, which read on their own may mean something else (a
        # year in it counts where the table has years)
        result = _run_plan(catalog, model, first, plain, timeout)
        return result.with_meta(notes=(*result.notes, f"(»{clause}« läst som en förklaring)"))
    read = plan_mod.parse(model, textual and plan_mod.without_text_words(text) or text)
    if isinstance(read, plan_mod.Decline) and read.unread and not textual:
        lead, rest = _preamble(text)
        after = plan_mod.parse(model, rest) if lead else None
        if isinstance(after, plan_mod.Plan) and _only_lead_in(model, lead, after.table):
            # "Inför debatten undrar jag: hur stor är …": the question after the colon
            result = _run_plan(catalog, model, after, rest, timeout)
            return result.with_meta(
                notes=(*result.notes, f"(inledningen »{lead}« hör inte till frågan)")
            )
    if isinstance(read, plan_mod.Plan) and not textual:
        return _run_plan(catalog, model, read, text, timeout)
    # A curated named question when the plan cannot read the text and the named question
    # explains every word and takes every value (a bag of shared words is not enough: the plan,
    # which keeps word order and negation, comes first); after a why-question the text search
    # found nothing for, it may show the amounts asked about.
    preset = _preset(catalog, named, model, text, given, timeout, context, textual)
    if preset is not None:
        return preset
    if isinstance(read, plan_mod.Plan) and not textual:
        return _run_plan(catalog, model, read, text, timeout)
    if isinstance(read, plan_mod.Plan):
        # a why/what-for question the document's text does not answer: amounts would answer
        # a different question
        raise NoAnswer(
            f"dokumentets text förklarar inte det du frågar om »{text[:80]}«",
            "fråga efter beloppen utan varför, t.ex. " + plan_mod.explain(read, model),
        )
    if not textual and QUESTION_WORD.match(text):
        # "när ska …", "vad innebär …": the document's words may answer what the tables cannot;
        # the search itself declines when the text never mentions what is asked about
        hits = _search(catalog, plan_mod.canonical(model, text), text)
        if hits is not None:
            return hits
    if not textual and _about_the_text(model, text, read):
        # "vilket verktyg ska hjälpa mot felaktig debitering": what the tables cannot read, when
        # the best paragraph holds every word they could not explain, as written
        # a year the question names must be in the paragraph too ("vad är PKV för 2027")
        years = tuple(re.findall(r"\b(?:19|20)\d\d\b", text))
        hits = _search(catalog, plan_mod.canonical(model, text), text, read.words + years)
        if hits is not None:
            return hits
    raise NoAnswer(
        _decline_message(read, text), read.hint or _nearest(catalog, named, text, context)
    )


_ASKS = re.compile(
    r"^\s*(?:(?:för|i|på|om|till|av|med|från)\s+)?"
    r"(vilken|vilket|vilka|vad|hur|när|vem|vart|var|finns|står|ska|kommer)\b",
    re.I,
)
_AMOUNT = re.compile(
    r"\bhur (?:mycket|mkt|många|stor|stora|stort)\b|\bkostar\b|\bbelopp|\btkr\b|\bmnkr\b|"
    r"\bkronor\b|\bprocent|\bantal|\bandel|\bbudget|\bpengar\b|\btjänar\b|\blön"
)


_LEAD = re.compile(r"^(.{3,120}?)\s*(?::|\s[–—-]\s|,\s*så\b)\s*(.+)$", re.S)


# "…, alltså ska inte åtgärdas", "…, dvs kräver åtgärder": the same thing said again
_RESTATED = re.compile(
    r"\s*,?\s*\b(?:alltså|dvs\.?|d\.v\.s\.?|det vill säga|med andra ord|sa att saga)\s+[^,?.!]*",
    re.I,
)


def _without_restatement(text: str) -> tuple[str, str]:
    """The question without a clause that restates it ("…, alltså …"), and the clause; the
    text and "" when there is none (a clause that opens the question restates nothing)."""
    m = _RESTATED.search(text)
    if m is None or not text[: m.start()].strip():
        return text, ""
    return text[: m.start()] + text[m.end() :], m.group().strip(" ,")


def _preamble(text: str) -> tuple[str, str]:
    """A lead-in before a colon or a dash ("Som ny controller vill jag dubbelkolla: …") and the
    question after it; ("", text) when there is none."""
    m = _LEAD.match(text.strip())
    return (m.group(1), m.group(2)) if m else ("", text)


def _only_lead_in(model: semantic.Model, lead: str, table: str) -> bool:
    """Whether a lead-in names nothing of the table the question after it reads (nor anything
    of every table, such as the nämnd: "tekniska nämnden: budget 2026" is not a lead-in)."""
    return not any(
        s.kind not in ("filler", "op") and s.table in (None, table)
        for it in plan_mod.items(model, lead)
        for s in it.senses
    )


def _about_the_text(model: semantic.Model, text: str, read: Any) -> bool:
    """Whether a question the tables could not read may still be about the document's words:
    a question word first, words left unexplained, and nothing of amounts (another nämnd's
    budget, a salary: a paragraph would answer a different question)."""
    if not isinstance(read, plan_mod.Decline) or not read.unread or not _ASKS.match(text):
        return False
    if _AMOUNT.search(text.lower()):
        return False
    money = {name for name, tm in model.tables.items() if tm.unit}
    return not any(
        s.kind == "table"  # "vilka risker …": rows of a table are asked for, not a paragraph
        or (s.table in money and s.kind in ("measure", "value", "category", "partial"))
        for it in plan_mod.items(model, text)
        for s in it.senses
    )


# Questions the tables cannot answer but the document's words may: when, what … means. Never
# "hur mycket", "hur många" or "vilka": an amount or a list answered with a paragraph is wrong.
QUESTION_WORD = re.compile(
    r"^\s*(när|vad innebär|vad betyder|vad menas|varför|hur ska|hur kommer)\b", re.I
)


def _is_follow_up(text: str) -> bool:
    return bool(FOLLOW_OPENER.match(text.lower().strip()))


FOLLOW_OPENER = re.compile(
    r"^(och|samma|än|hur är det med|men|då|hur blir det|vad blir det|för|"
    r"(?:vilka|vilken|vilket|hur många|hur mycket) (?:av|bland) (?:dem|dessa|de)|"
    r"av (?:dem|dessa)|bland (?:dem|dessa))\b"
)


def _search(
    catalog: Catalog, text: str, typed: str = "", require: tuple[str, ...] = ()
) -> engine.Result | None:
    from ksquery.search import search  # BM25 and rapidfuzz: only for questions about the text

    return search(catalog, text, also=typed, require=require)


def _run_plan(
    catalog: Catalog, model: semantic.Model, read: plan_mod.Plan, text: str, timeout
) -> engine.Result:
    try:
        sql, params = plancache.compile_plan(read, model, catalog.fingerprint)
    except plan_mod.NoPlan as err:
        raise NoAnswer(f"det förstår jag inte: {err} »{text[:80]}«") from None
    engine.check_cached(catalog, sql)  # the same gate, its verdict kept per SQL text
    result = engine.run(catalog, sql, params, timeout=timeout, validated=True)
    table = catalog.tables[read.table]
    explained = plan_mod.explain(read, model)
    return result.with_meta(
        title=explained[:1].upper() + explained[1:],
        source=table.source,
        notes=(f"Tolkat som: {explained}",),
        question=None,
        plan=read.as_dict(),
        context={"text": text},
    )


def _decline_message(read: plan_mod.Decline, text: str) -> str:
    if read.words:
        shown = ", ".join(f"'{w}'" for w in read.words[:5])
        return f"det förstår jag inte: {shown} ({read.reason})"
    return f"det förstår jag inte: {read.reason} »{text[:80]}«"


def _nearest(catalog, named, text: str, context) -> str:
    readings = interpret(catalog, named, text, context)
    nearest = [questions.resolve(catalog, r.question) for r in readings[:3] if r.score >= 30]
    if nearest:
        return "närmast: " + "; ".join(
            f"{q.id} ({q.heading({p.name: p.default for p in q.params})})" for q in nearest
        )
    return "skriv .questions (eller ksquery questions) för att se alla frågor"


# Operator words a preset must explain too: "inte", "största", "andel" change the question.
_MEANINGFUL_OPS = {
    "rank",
    "not",
    "agg",
    "share",
    "change",
    "cmp",
    "cmp_after",
    "first",
    "compare",
    "per",
    "who_is",
    "only",
}
_PASSIVE = {"filler", "op"}
_COMPOSED_OPS = {"rank", "agg", "share", "change", "first", "compare"}


def _explains(
    model: semantic.Model,
    text: str,
    q: questions.Question,
    params: dict[str, Any],
    composed_ok: set[str] | frozenset[str] = frozenset(),
) -> bool:
    """Whether a named question with these values explains every word and number of the text."""
    for p in q.params:
        if p.name in params or composed_ok:
            continue  # after a why-question the defaults only place the amounts asked about
        source = _param_source(p)
        table = model.tables.get(source[0]) if source else None
        if not (table and source and source[1] in table.defaults):
            return False  # a default would narrow the answer without the text asking for it
    # what the question is called (title, aliases, id) must name its operators ("andel",
    # "inte", "största"); its description may explain the other words
    called = {semantic.norm(w) for phrase in _phrases(q) for w in phrase.split()}
    called |= {semantic.norm(w) for w in words(re.sub(r"\{\w+\}", "", q.title))}
    vocabulary = called | {semantic.norm(w) for w in words(q.description)}
    values = " ".join(str(v) for v in params.values()).lower()
    vocabulary |= {semantic.norm(w) for w in words(values)}
    numbers = {v for v in params.values() if isinstance(v, int)}

    def has_number(n: int) -> bool:
        return n in numbers or (len(numbers) >= 2 and min(numbers) <= n <= max(numbers))

    for item in plan_mod.items(model, text):
        if item.number is not None:
            if not has_number(item.number):
                return False
            continue
        if not item.senses:
            # a word nothing in the data or the grammar knows, unless it names this question
            if not any(semantic.norm(w) in called for w in semantic.tokens(item.text)):
                return False
            continue
        kinds = {s.kind for s in item.senses}
        ops = {s.column for s in item.senses if s.kind == "op"}
        digits = [int(t) for t in semantic.tokens(item.text) if t.isdigit()]
        if any(not has_number(d) and str(d) not in q.title for d in digits):
            return False
        if ops & (_COMPOSED_OPS - composed_ok):
            return False  # a ranking, sum, share or change: the composer's plan answers exactly
        known = called if ops & _MEANINGFUL_OPS and kinds <= _PASSIVE else vocabulary
        if kinds <= _PASSIVE and not (ops & _MEANINGFUL_OPS):
            continue
        if item.text.lower() in values:
            continue
        if not any(semantic.norm(w) in known for w in semantic.tokens(item.text)):
            return False
    return True


def _preset(
    catalog, named, model, text, given, timeout, context, textual: bool = False
) -> engine.Result | None:
    """A curated named question, when it explains every word of the text and takes every value
    from it; None otherwise (the composer or the text search answers)."""
    readings = interpret(catalog, named, text, context)
    best = readings[0] if readings else None
    if (
        best is not None
        and best.score >= THRESHOLD
        and _explains(
            model,
            plan_mod.without_text_words(text) if textual else text,
            best.question,
            best.params,
            composed_ok={"change"} if textual else set(),
        )
    ):
        params = {**best.params, **given}
        try:
            result = questions.run(catalog, best.question, params, timeout=timeout)
        except ParamError as err:
            # e.g. a year the document does not cover: an honest "no answer", not bad input
            heading = best.question.heading(_with_defaults(catalog, best))
            raise NoAnswer(f"dokumentet har inget svar: {err} ({heading})", err.hint) from None
        shown = ", ".join(f"{k} = {v}" for k, v in result.params.items())
        notes = [f"Tolkat som: {result.title}" + (f" ({shown})" if shown else "")]
        close = [r for r in readings[1:4] if r.score >= best.score - 8 and r.score >= THRESHOLD]
        if close:
            notes.append(
                "Menade du: "
                + "; ".join(
                    f"{r.question.id} ({r.question.heading(r.params or {})})" for r in close
                )
            )
        return result.with_meta(
            notes=tuple(notes), alternatives=tuple(r.question.id for r in close)
        )
    return None


def _with_defaults(catalog: Catalog, reading: Reading) -> dict[str, Any]:
    resolved = questions.resolve(catalog, reading.question)
    return {**{p.name: p.default for p in resolved.params}, **reading.params}


def last_context(result: engine.Result) -> dict | None:
    """What a follow-up question may reuse from this answer."""
    if result.context:
        return dict(result.context)
    if not result.question:
        return None
    return {"question": result.question, "params": dict(result.params)}
