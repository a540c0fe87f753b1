"""Free-text search over the document: BM25 ranking of paragraphs and text columns, with Swedish
word forms matched through their stems (DuckDB's fts extension cannot be installed here)."""

from __future__ import annotations

import math
import re
from collections import Counter

from rapidfuzz import fuzz, process

from ksquery import engine
from ksquery.catalog import Catalog
from ksquery.swedish import ASKING, REASONS, fold, stem, stems, words


def documents(catalog: Catalog) -> list[tuple[str, str, str, int | None, Counter]]:
    """(table, section, text, source line, stem counts) of every searchable row, memoised."""
    if catalog.derived.documents is None:
        docs = []
        # Provenance columns by their role ([meta.roles]): the source line and the section;
        # a column such as "källrad_från" counts as the line.
        roles = catalog.dictionary.meta.get("roles") or {}
        line_role = str(roles.get("line") or "\0")
        section_role = str(roles.get("section") or "\0")
        for table in catalog.tables.values():
            if not table.search:
                continue
            cols = ", ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), '')" for c in table.search)
            line = next((c.name for c in table.columns if c.name.startswith(line_role)), None)
            where = section_role if table.column(section_role) else None
            section_sql = f'"{where}"' if where else "NULL"
            line_sql = f'"{line}"' if line else "NULL"
            # a paragraph that ends in a colon goes on in the bullet points after it: they are
            # one answer ("Detta förklaras framför allt av:" and its list)
            bullet = str(roles.get("bullet") or "\0")
            bullet_sql = f'"{bullet}"' if table.column(bullet) else "false"
            order = f" ORDER BY {line_sql}" if line else ""
            sql = (
                f"SELECT concat_ws(' — ', {cols}), {section_sql}, {line_sql}, {bullet_sql} "
                f'FROM "{table.name}"{order}'
            )
            rows = engine.execute(catalog.con, sql, {}, timeout=10).rows
            for i, (body, section, source_line, _) in enumerate(rows):
                if body.rstrip().endswith(":"):
                    follows = []
                    for later, _, _, is_bullet in rows[i + 1 :]:
                        if not is_bullet:
                            break
                        follows.append(later.split(" — ")[-1])
                    body = " ".join([body, *follows])
                docs.append((table.name, section or table.source, body, source_line, _counts(body)))
        # a claim ([meta.roles] claims) quotes its paragraph: where the paragraph is searched
        # too, the quote would only push other answers down
        claims = str((roles.get("claims") or {}).get("table") or "\0")
        bodies = [d[2] for d in docs if d[0] != claims]
        docs = [d for d in docs if d[0] != claims or not any(d[2].strip() in b for b in bodies)]
        catalog.derived.documents = docs
    return catalog.derived.documents


# "(exkl. exploateringsenheten)": what a text says it leaves out is not what it is about
_EXCLUDED = re.compile(r"\((?:exkl\.?|exklusive|utom|ej|inte)\s[^)]*\)", re.I)


def _counts(body: str) -> Counter:
    """Stem counts of a row's text, leaving out what it says it excludes."""
    return Counter(stems(_EXCLUDED.sub(" ", body)))


def _same_word(asked: str, written: str) -> bool:
    """Whether a word of the question is a word of the text, inflected at most ("verktyg",
    "verktyget"), not merely the start of another ("brist" is not "bristande")."""
    asked, written = fold(asked), fold(written)
    if asked.isdigit() or written.isdigit():
        return asked == written  # a year is that year
    if abs(len(written) - len(asked)) > 3:
        return False
    stem_len = max(2, min(len(asked), len(written)) - 2)
    return asked[:stem_len] == written[:stem_len]


def _term(word: str, vocab: set[str]) -> str | None:
    """The document's stem a question's stem stands for: itself, a near spelling or a longer
    compound it begins."""
    if word in vocab:
        return word
    match = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=85)
    if match:
        return match[0]
    prefixed = [t for t in vocab if t.startswith(word) or (len(t) >= 5 and word.startswith(t))]
    return max(prefixed, key=len) if prefixed else None


# A question about why, and the sentences that give a purpose or a cause
_WHY = re.compile(r"\b(varför|syfte|syftet|anledning|anledningen|orsak|orsaken|motivering)\b", re.I)
_PURPOSE = re.compile(r"\b(syftet med|syftet är|i syfte att|eftersom|därför|anledningen)\b", re.I)


def _with_purpose(top: list[tuple], docs: list[tuple], asked: str) -> list[tuple]:
    """A why-question whose best paragraph states no purpose: the paragraph under the same
    heading that does ("Syftet med omorganisationen är …") comes right after it."""
    if not top or not _WHY.search(asked):
        return top
    best = top[0]
    heading = best[3].partition(" — ")[0]
    if _PURPOSE.search(best[3].partition(" — ")[2]) or not heading:
        return top
    shown = {s[5] for s in top}
    for index, (table, section, body, line, _) in enumerate(docs):
        if (
            index not in shown
            and table == best[1]
            and body.partition(" — ")[0] == heading
            and _PURPOSE.search(body)
        ):
            # as many rows as before: the purpose takes the last one's place
            return [best, (best[0], table, section, body, line, index), *top[1:]][: len(top)]
    return top


WEAK_WEIGHT = 0.3
COVERAGE_POWER = 1


def _query(text: str) -> list[str]:
    return [s for s in stems(" ".join(w for w in words(text) if w not in ASKING)) if len(s) > 2]


def search(
    catalog: Catalog, text: str, limit: int = 5, also: str = "", require: tuple[str, ...] = ()
) -> engine.Result | None:
    """BM25 over the document's paragraphs and text columns; None when nothing matches.
    `also`: the question as typed, whose words rank too but need not occur in the document
    (the text is the question with names replaced by the data's own). `require`: words of
    which the best paragraph must hold at least half, and every number, as they are (no near
    spelling, no longer word), else None."""
    query = _query(text)
    optional_words = [q for q in _query(also) if q not in query]
    docs = documents(catalog)
    if not query or not docs:
        return None
    n = len(docs)
    avg = sum(sum(d[4].values()) for d in docs) / n
    vocab = {t for d in docs for t in d[4]}
    weak = {stem(w) for w in REASONS}
    expanded = {q: t for q in query if (t := q if q in weak else _term(q, vocab))}
    for q in optional_words:  # "exploateringsverksamheten" as typed, beside the unit's name
        if q in vocab:
            expanded.setdefault(q, q)
    terms = [t for t in dict.fromkeys(expanded.values()) if t in vocab]
    missing = [
        q
        for q in query
        if q not in expanded
        and q not in weak
        and len(q) >= 6
        # "pkv-uppräkningen": a compound counts as mentioned when one of its parts is
        and not any(part in vocab for part in stems(q.replace("-", " ")) if len(part) >= 3)
    ]
    content = [t for t in terms if t not in weak]
    if not content or missing:
        # "nya simhallen": the document never mentions the thing asked about, so paragraphs
        # matching only the other words would be an answer to a different question
        return None
    df = {t: sum(1 for d in docs if t in d[4]) for t in terms}
    scored = []
    for index, (table, section, body, line, counts) in enumerate(docs):
        length = sum(counts.values()) or 1
        score = 0.0
        for t in terms:
            tf = counts.get(t, 0)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                weight = WEAK_WEIGHT if t in weak else 1.0
                score += weight * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avg))
        # a paragraph about every thing asked about before one about some of them
        covered = sum(1 for t in content if counts.get(t))
        score *= (covered / len(content)) ** COVERAGE_POWER
        if score > 0:
            scored.append((score, table, section, body, line, index))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    if require:
        best = {t.lower() for t in words(documents(catalog)[scored[0][5]][2])}
        needed = [w for phrase in require for w in words(phrase) if w not in ASKING]
        held = [w for w in needed if any(_same_word(w, t) for t in best)]
        years = [w for w in needed if w.isdigit()]
        words_ = [w for w in needed if not w.isdigit()]
        held_words = [w for w in held if not w.isdigit()]
        if not words_ or len(held_words) * 2 < len(words_) or not set(years) <= set(held):
            return None  # the best paragraph is not about the words no table explains
    top = scored[:limit]
    asked = f"{text} {also}".casefold()
    titles = [s[3].partition(" — ")[0].casefold() for s in top]
    said = {t for t in titles if t and t in asked}
    if titles[0] in said:
        # "hur ska felaktiga löneutbetalningar kontrolleras": the rows it names (and those
        # whose name begins with it: "Energibrist/effektbrist")
        top = [s for s, t in zip(top, titles, strict=True) if any(t.startswith(n) for n in said)]
    top = _with_purpose(top, documents(catalog), f"{text} {also}")
    rows = [(section, body, line, table) for _, table, section, body, line, _ in top]
    roles = catalog.dictionary.meta.get("roles") or {}
    return engine.Result(
        (str(roles.get("section") or "del"), "text", str(roles.get("line") or "rad"), "tabell"),
        ("",) * 4,
        rows,
        title=f"Ur dokumentet: {text.strip()[:60]}",
        source="sökning i dokumentets text",
        notes=("Tolkat som: sökning i dokumentets text (" + ", ".join(terms) + ")",),
        plain=engine.plain_numbers(catalog),
    )
