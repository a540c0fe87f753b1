"""The composed-question plan: what the parser reads, that every plan compiles to SQL the gate
accepts, and that its answer equals a reference computed in Python from the table's rows, on the
shipped data and on the generated next-year data set."""

from __future__ import annotations

import operator
import tomllib
from collections import defaultdict
from typing import Any

import gen_next_year
import pytest
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksquery import ask, engine, plancache, questions, semantic
from ksquery import plan as plan_mod
from ksquery.catalog import open_catalog
from ksquery.errors import KsqueryError, NoAnswer


@pytest.fixture(scope="module")
def model(catalog):
    return semantic.load(catalog)


@pytest.fixture(params=["shipped", "next_year"])
def data_set(request):
    """The shipped catalog and the generated next year's, each with its semantic model."""
    catalog = request.getfixturevalue("catalog" if request.param == "shipped" else "next_year")
    return catalog, semantic.load(catalog)


@pytest.fixture(scope="module")
def next_year(tmp_path_factory):
    catalog = open_catalog(gen_next_year.build(tmp_path_factory.mktemp("ny") / "data"))
    yield catalog
    catalog.close()


# --- what the parser reads ----------------------------------------------------------------------

READINGS = [
    # (question, expected plan fields)
    ("de tre största investeringarna 2026", {"rank": "desc", "limit": 3, "years": (2026,)}),
    ("vilken nämnd har flest utredningar", {"aggregate": "count", "group": ("nämnd",)}),
    ("risker som inte har någon kontroll", {"table": "risker"}),
    ("hur många procent ökar kommunbidraget 2025 till 2026", {"aggregate": "change"}),
    (
        "totala investeringar fram till 2029",
        {"aggregate": "sum", "years": tuple(range(2025, 2030))},
    ),
    ("investeringar under planperioden", {"years": tuple(range(2025, 2030))}),
    ("kommunbidrag nästa år", {"years": (2026,)}),
    ("vilket objekt minskar mest 2027 till 2028", {"decrease": True, "rank": "desc"}),
    # ordering every row, not picking one
    ("rangordna investeringarna 2026", {"rank": "desc", "limit": None}),
    ("ks kostnader 2026 från minst till störst", {"rank": "asc", "limit": None}),
    # a ranking among the rows named shows them all, the largest first
    ("vilken är störst 2026, stadsskogen eller bälinge", {"rank": "desc", "limit": None}),
    # a bound on the change itself, not on the amounts
    (
        "vilka kostnadsposter ökar mer än 5 procent mellan 2025 och 2026",
        {"aggregate": "change", "change_filter": (">", 5, True)},
    ),
    ("vilka objekt minskar med mer än 1000 tkr 2026 till 2027", {"decrease": True}),
    # a flag asked both ways is a grouping, never a filter that leaves nothing
    ("hur många risker accepteras respektive accepteras inte", {"group": ("accepteras",)}),
    # the number of years, not an amount of 4 tkr
    ("genomsnitt köp av tjänster för expl över alla fyra åren", {"aggregate": "avg", "years": ()}),
    # "varken A eller B": neither
    (
        "hur många risker varken accepteras eller har kontroll",
        {"aggregate": "count", "filters": "negated twice"},
    ),
    ("top 3 investeringsobjekt 2026", {"rank": "desc", "limit": 3}),
    # a category's name joined to a word for the rows: the rows in that category
    ("rangordna reinvesteringsobjekten 2026", {"level": "objekt", "limit": None}),
    # which category a named row belongs to: the answer, not the row's amounts
    ("vilken kategori hör tjänstekatalogen till", {"answer": "kategori", "answer_only": True}),
    # a definite form the stemmer keeps ('nivån') still names the measure in a compound
    ("vilket år är investeringsnivån som högst", {"rank": "desc", "group": ("år",)}),
    # "får pengar": the rows with an amount, not those at zero
    ("vilka investeringsobjekt får pengar 2029", {"filters": "one nonzero"}),
    # a table's own measure before another table's number column of the same name
    ("genomsnittligt riskvärde", {"table": "risker", "aggregate": "avg"}),
    # numbers between two bounds, both included
    ("vilka risker har riskvärde mellan 6 och 9", {"filters": "between 6 and 9"}),
    # "vilka … minskar": the rows that decrease, at the finest level, not the total
    (
        "vilka investeringar minskar mellan 2026 och 2027",
        {"change_filter": (">", 0, False), "decrease": True, "level": "objekt"},
    ),
    # "skillnaden mellan X och Y 2026": two rows side by side, not a change over the years
    ("skillnaden mellan bälinge och stadsskogen 2026", {"aggregate": "versus", "years": (2026,)}),
    # "sista året": the table's last year
    ("investeringar sista året", {"years": (2029,)}),
    ("lokalhyror ks sista planåret", {"years": (2027,)}),
    # the row of the asked kind that a named row belongs to
    ("vilken avdelning hör säkerhetsenheten till", {"filters": "row Kansli- och HR-avdelningen"}),
    ("vilken förvaltning tillhör upphandlingsenheten", {"filters": "row Kommunledningskontoret"}),
    # "saknar budget": the amount is zero (not "every unit but this one")
    ("vilken kostnadspost saknar budget hos expl 2025", {"filters": "zero"}),
    # the last year with an amount, not the table's last year
    ("vilket är sista året som stadsskogen får pengar", {"aggregate": "first", "latest": True}),
    # two rows compared year by year, keeping the years where the first is larger
    (
        "vilka år är investeringarna i bälinge större än i stadsskogen",
        {"aggregate": "versus", "change_filter": (">", 0, False)},
    ),
    # a share of a span stays a share even with "i procent" at the end
    (
        "bälinges andel av de totala investeringsutgifterna 2025–2029, i procent",
        {"aggregate": "share"},
    ),
    # the part of a share is the one named after it; both together are the whole
    (
        "om man lägger ihop personalkostnaderna för ks och expl 2025, hur stor andel står expl för",
        {"aggregate": "share", "part": ("enhet", "exploateringsenheten")},
    ),
    # everyday words that change nothing, abbreviations, "för 2024" as "2024"
    ("kan du visa mig kommunbidraget för 2026 tack", {"years": (2026,)}),
    # a decimal amount in mnkr after a comparison word, and a count of rows before a ranking
    ("investeringsobjekt över 5,5 mnkr 2025", {"filters": "over 5500"}),
    ("vilka tre saker kostar mest för ks 2026", {"rank": "desc", "limit": 3}),
    # two-digit years after plan/budget; two years with "högre … än" is the change
    ("kommunbidrag plan 26", {"years": (2026,)}),
    ("är personalkostnaderna högre 2026 än 2025", {"aggregate": "change", "years": (2025, 2026)}),
    # what a named row adds up, less what is left out: the sum of the rest
    (
        "ks verksamhetens kostnader 2025 exklusive personalkostnader",
        {"aggregate": "sum", "filters": "row Köp av tjänster,Lokalhyror,Övriga kostnader"},
    ),
    ("ks kostnader 2027 utom personal och lokalhyror", {"aggregate": "sum"}),
    # "är X större än 120 miljoner": the amount and a yes/no column, never an empty filter
    ("är personalkostnaderna för ks 2026 större än 120 miljoner", {"filters": "asked"}),
    # "hur många …, och vilka är det": the rows show both
    ("hur många objekt har över 10 mnkr 2026, och vilka är det", {"aggregate": None}),
    # "varje nämnd … vem har flest": every group, the largest first
    ("hur många utredningar har varje nämnd, vem har flest", {"rank": "desc", "limit": None}),
    # an ordinal on the table's order column
    ("vilken är den andra politiska inriktningen", {"filters": "nr 2"}),
    # "hur mycket mer är X 2028 än 2024": one row's change, not a comparison with another row
    ("hur mycket mer är expansionsinvesteringarna 2028 än 2024", {"aggregate": "change"}),
    # a number after a value is that value's, not a count of rows
    ("sannolikhet 2 betyder", {"limit": None, "table": "skalor"}),
    # "vilka accepterade risker": the flag filters, it is not the column asked for
    ("vilka accepterade risker har riskvärde 6 eller mer", {"answer": None}),
    # "respektive ansvarig": one row per
    ("hur många kontroller har respektive ansvarig", {"group": ("ansvarig",)}),
    # a count over several values of one column: one row each
    (
        "jämför antalet utredningar från socialnämnden och kultur- och utbildningsnämnden",
        {"group": ("nämnd",)},
    ),
    # two units compared for one row; the sum of a span compared as one sum
    ("hur mycket större är ks personalkostnader än expl:s 2027", {"versus_by": "enhet"}),
    (
        "hur mycket mer läggs på expansionsinvesteringar än på reinvesteringar under planperioden",
        {"aggregate": "versus", "versus_total": True},
    ),
    # "sista året X har pengar": the last year with an amount
    ("vilket är sista året stadsskogen har pengar", {"aggregate": "first", "latest": True}),
    # "årets": this year (its stem is the year word's)
    ("hur stor andel av årets totala investeringar är expansionsinvesteringar", {"years": (2025,)}),
    # rows of a kind under a row at any depth, and not under another
    (
        "vilka enheter på kommunledningskontoret ligger inte under kansli- och hr-avdelningen",
        {"filters": "row Kommunikationsenheten,Upphandlingsenheten"},
    ),
    ("vilka enheter ligger under ekonomiavdelningen", {"filters": "row Upphandlingsenheten"}),
    # a relation word with last year is the flag the data declares for that year
    ("risker som inte var med i förra årets internkontrollplan", {"filters": "not flag 2024"}),
    # "om två år" counts from the budget year; "X plus Y" is their sum
    ("finansnetto ks om två år", {"years": (2027,)}),
    ("köp av tjänster plus övriga kostnader för ks 2026", {"aggregate": "sum"}),
    ("vilka objekt får ingenting 2028", {"filters": "zero"}),
    # "ökar mest i procent": ranked by the percent change
    ("vilken kostnad hos ks ökar mest i procent från i år till nästa år", {"by_percent": True}),
    # "hur ändras": a change ("ändras" has the stem of "andra", other)
    ("hur ändras nettokostnaden för ks mellan i år och nästa år", {"aggregate": "change"}),
    # "hur många år": the years counted; "har pengar" in a count
    ("hur många år ligger lokalanpassningar på 5 miljoner", {"count_years": True}),
    ("hur många investeringsobjekt har pengar 2029", {"filters": "one nonzero"}),
    # "jämför totala investeringar": the total row, not every object
    ("jämför totala investeringar 2025 och 2026", {"level": "totalt"}),
    # each year against the year before
    ("vilket år höjs ks kommunbidrag mest i kronor", {"yearly": True, "rank": "desc"}),
    (
        "vilka år minskar de totala investeringsutgifterna jämfört med året innan",
        {"yearly": True, "change_filter": (">", 0, False), "decrease": True},
    ),
    ("ks kommunbidrag 2024 till 2027 år för år", {"yearly": False, "aggregate": None}),
    # "vilken annan risk har samma riskvärde som X": not X itself
    ("vilken annan risk har samma riskvärde som energibristen", {"filters": "not the row"}),
    # "lista … utom X": the rows left, not their sum
    ("lista expl kostnadsposter 2027 utom lokalhyror", {"aggregate": None}),
    # "andel … 2024 jämfört med 2027": each year's share
    ("köp av tjänster som andel av ks kostnader, 2024 jämfört med 2027", {"group": ("år",)}),
    # "hur många år … ligger totala investeringar över 140 mnkr": the total row's years
    ("hur många år 2025-2029 ligger totala investeringar över 140 mnkr", {"level": "totalt"}),
    # "sista året X har några pengar"
    ("sista året stadsskogen har några pengar i budgeten", {"latest": True}),
    # "totalt och snitt per år": both; "hur många gånger större": the ratio beside the difference
    ("anpassningsinvesteringar totalt 2024-2029 och snitt per år", {"with_avg": True}),
    (
        "hur många gånger större är bälinge än stadsskogen 2027",
        {"aggregate": "versus", "ratio": True},
    ),
    # "samma belopp varje år": the rows whose amount never changes
    ("vilket investeringsobjekt har samma belopp alla år", {"constant": True}),
    # "uppgår … till nästa år": the verb's 'till', not a span; "2024–2029" after it still is
    ("vad uppgår de totala investeringsutgifterna till nästa år", {"years": (2026,)}),
    (
        "vad summerar tjänstekatalogen till över alla år 2024–2029",
        {"years": tuple(range(2024, 2030))},
    ),
    # one row named twice ("konsulter och andra köpta tjänster") over two years: its change
    (
        "hur mycket mer kostar konsulter och andra köpta tjänster för ks i år jämfört med i fjol",
        {"aggregate": "change"},
    ),
    # a claim about a change or a sum: the figure and whether it is that much
    (
        "stämmer det att lokalhyrorna för ks ökar med 0,3 mnkr 2025",
        {"aggregate": "change", "change_claim": (300, 50)},
    ),
    (
        "är det sant att investeringsplanen 2025–2029 uppgår till 619,7 mnkr",
        {"aggregate": "sum", "change_claim": (619700, 50)},
    ),
    # "väsentlighet 4 (allvarlig)": a level's word, not "de 4 allvarligaste"
    ("hur många risker har väsentlighet 4 (allvarlig)", {"aggregate": "count", "rank": None}),
    # "år för år" with a change: each year against the one before, over the span asked
    ("hur förändras lokalhyrorna år för år 2024–2027 för ks", {"yearly": True}),
    # "näst störst": only the second
    ("vilken investeringskategori är näst störst 2026", {"rank": "desc", "nth": 2}),
    # "skillnaden mellan KS intäkter och kostnader 2025": two rows side by side
    ("vad är skillnaden mellan ks intäkter och kostnader 2025", {"aggregate": "versus"}),
    # "täcks av X": X is the part; two rows named before the share word are the part together
    (
        "hur stor del av verksamhetens kostnader täcks av intäkter för ks 2026",
        {"whole": ("post", "Verksamhetens kostnader")},
    ),
    (
        "fastigheter och lokalanpassningar nästa år, hur stor andel av totalen blir det",
        {"whole": None, "level": "totalt"},
    ),
    # "andra" (other) is no change ("ändra")
    ("hur stor andel av ks kostnader 2025 är andra personalkostnader", {"aggregate": "share"}),
    # "skillnad … mellan two units … one year": the units side by side, not each one's change
    (
        "skillnad i personalkostnader mellan ks och exploateringsenheten 2026",
        {"aggregate": "versus", "versus_by": "enhet", "years": (2026,)},
    ),
    # "objekten som minskar": a relative clause picks the rows, as "vilka objekt minskar" does
    (
        "lista investeringsobjekten som minskar mellan 2025 och 2026",
        {"aggregate": "change", "change_filter": (">", 0, False), "decrease": True},
    ),
    # a ranking of sums ranks the rows inside the one named, each summed over the span
    (
        "vilken expansionsinvestering får mest totalt 2025-2029",
        {"rank": "desc", "limit": 1, "group": ("post",), "aggregate": "sum"},
    ),
    # a bound on each group's sum over the years, not on each year's rows (HAVING)
    (
        "vilka investeringskategorier har mer än 100 mnkr sammanlagt under 2025-2029",
        {"aggregate": "sum", "group": ("kategori",), "having": (">", 100000)},
    ),
    # "under X" where X sums other rows: the rows inside it, no comparison with its amount
    (
        "objekten under reinvesteringar 2025",
        {"filters": "row Fastigheter,Inventarier,Tjänstekatalog"},
    ),
    # polite and old-fashioned lead words ("vördsamt", "vänligen upplysa mig om") name nothing
    (
        "vördsamt undrar jag hur stora kommunstyrelsens personalkostnader är år 2027",
        {"table": "drift", "years": (2027,)},
    ),
    # the past tense of a change ("steg", "sjönk") is a change too
    (
        "hur mycket steg övriga kostnader för exploateringsenheten 2024 till 2025",
        {"aggregate": "change", "years": (2024, 2025)},
    ),
    # "åtgärder" of a risk: the analysis' own text on how it is handled, shown
    ("vilka åtgärder finns mot cyberhot", {"table": "risker", "answer": "hantering"}),
]


@pytest.mark.parametrize("text, fields", READINGS)
def test_readings(model, text, fields):
    read = plan_mod.parse(model, text)
    assert isinstance(read, plan_mod.Plan), read
    for name, value in fields.items():
        if value == "one nonzero":
            assert [(f.cmp, f.values) for f in read.filters if f.op == "cmp"] == [("!=", (0,))]
            continue
        if value == "between 6 and 9":
            bounds = [(f.cmp, f.values) for f in read.filters if f.op == "cmp"]
            assert bounds == [(">=", (6,)), ("<=", (9,))], read
            continue
        if isinstance(value, str) and value.startswith("row "):
            label = model.tables[read.table].label
            named = [f.values for f in read.filters if f.op == "in" and f.column == label]
            assert named == [tuple(value[4:].split(","))], read
            continue
        if value == "asked":
            assert [f.extra for f in read.filters if f.op == "cmp"] == ["asked"], read
            continue
        if value == "nr 2":
            assert [(f.column, f.values) for f in read.filters if f.op == "cmp"] == [("nr", (2,))]
            continue
        if value == "over 5500":
            assert [(f.cmp, f.values) for f in read.filters if f.op == "cmp"] == [(">", (5500,))]
            continue
        if value == "not flag 2024":
            flags = [(f.column, f.negate) for f in read.filters if f.op in ("flag", "exists")]
            assert flags == [("internkontroll_2024", True)], read
            continue
        if value == "not the row":
            assert any(f.op == "in" and f.negate for f in read.filters), read
            continue
        if value == "zero":
            assert [(f.cmp, f.values) for f in read.filters if f.op == "cmp"] == [("=", (0,))]
            assert not any(f.negate for f in read.filters), read
            continue
        if value == "negated twice":
            assert [f.negate for f in read.filters] == [True, True], read
            continue
        assert getattr(read, name) == value, (name, read)


@pytest.mark.parametrize(
    "text, words",
    [
        ("tekniska nämndens driftbudget 2026", {"tekniska"}),
        ("vad tjänar kommundirektören", {"tjänar"}),
        ("kommunbidrag 2023", {"2023"}),
        # one word out of a long name ("Anställdas missbruk upptäcks inte") is not that row
        ("hur många anställda har ks", {"anställda"}),
        # a thing the document does not hold ([semantic] absent) is never read as a near one
        ("hur stor blev löneökningen i procent för ks 2025", {"löneökningen"}),
        # a bare number on an amount in tkr: no one asks for posts of exactly 26 tkr
        ("kommunbidrag 26", {"26"}),
        # a comparison with another year: not read
        ("vilka år har expl högre kommunbidrag än 2025", set()),
        # "gånger" with nothing to divide by
        ("hur många gånger större är investeringarna 2027", set()),
        # "samma" with nothing to compare with is not silently dropped
        ("vilken risk har samma", {"samma"}),
        # 'högst' in a table without a measure, of no number named: not every row, no count of
        # rows per group
        ("vilken av ekonomichefens kontroller gäller den högsta risken", set()),
        ("vilken kontroll är störst", set()),
        # a sum of rows checked against another row: not the difference of the two added
        (
            "stämmer det att anpassningsinvesteringarna 2028 är lika med it-infrastruktur plus "
            "lokalanpassningar",
            set(),
        ),
    ],
)
def test_declines_name_what_was_not_understood(model, text, words):
    read = plan_mod.parse(model, text)
    assert isinstance(read, plan_mod.Decline)
    assert words <= set(read.words)


def test_negations_are_kept(catalog, model):
    """'utan kontroll' and 'med kontroll' must give complementary sets."""
    named = questions.load_all()

    def risks(text: str) -> set[str]:
        result = ask.answer(catalog, named, text, {})
        return {r[result.columns.index("risk")] for r in result.rows}

    without, with_ = risks("risker utan kontroll"), risks("risker med kontroll")
    everything = {r[0] for r in engine.run(catalog, "SELECT risk FROM risker").rows}
    assert without and with_ and not without & with_
    assert without | with_ == everything


def test_follow_up_replaces_the_year(catalog):
    named = questions.load_all()
    first = ask.answer(catalog, named, "kommunbidrag ks 2026", {})
    again = ask.answer(catalog, named, "och 2027?", {}, context=ask.last_context(first))
    assert first.rows[0][-1] == 121498 and again.rows[0][-1] == 125386


# --- never a crash ---------------------------------------------------------------------------


def _vocabulary(model) -> list[str]:
    """Words as people typed them in every question set, the lexicon's phrases and the grammar's."""
    typed = set()
    for name in ("eval_questions", "eval_holdout", "eval_blind2", "eval_composed_dev"):
        path = DATA.parent / "tests" / f"{name}.toml"
        typed.update(
            w
            for q in tomllib.loads(path.read_text(encoding="utf-8"))["q"]
            for w in q["text"].split()
        )
    words = sorted({" ".join(k) for k in model.lexicon if len(k) <= 2})
    return sorted(typed) + words[:400] + plan_mod.grammar_words()[:200] + ["2031", "3", "tre"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_word_salad_is_answered_or_declined(catalog, model, data):
    vocabulary = model.__dict__.setdefault("_test_vocabulary", _vocabulary(model))
    words = data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=7))
    try:
        result = ask.answer(catalog, {}, " ".join(words), {})
    except KsqueryError:
        return
    assert result.columns


# --- compiled plans against a reference ----------------------------------------------------------


def _rows(catalog, table: str) -> list[dict[str, Any]]:
    result = engine.run(catalog, f'SELECT * FROM "{table}"')
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _reference(p: plan_mod.Plan, tm: semantic.TableModel, rows: list[dict]) -> Any:
    """What the plan asks, computed plainly in Python."""
    level = tm.levels["column"] if tm.levels else None

    def keep(r: dict, with_level: bool = True) -> bool:
        for f in p.filters:
            if f.op == "in" and (r[f.column] in f.values) == f.negate:
                return False
        if with_level and p.level and r[level] != p.level:
            return False
        return True

    chosen = [r for r in rows if keep(r)]
    if p.yearly:  # each year's sum against the year before's
        per_year: dict[int, int] = defaultdict(int)
        for r in chosen:
            per_year[r[tm.time]] += r[tm.measure]
        ordered = sorted(per_year)
        return {
            y: per_year[y] - per_year[ordered[i - 1]] if i else None for i, y in enumerate(ordered)
        }
    if p.aggregate == "sum":
        return sum(r[tm.measure] for r in chosen if r[tm.time] in p.years)
    if p.aggregate == "change":
        a, b = p.years
        out = defaultdict(lambda: [0, 0])
        for r in chosen:
            if r[tm.time] == a:
                out[r[tm.label]][0] += r[tm.measure]
            elif r[tm.time] == b:
                out[r[tm.label]][1] += r[tm.measure]
        changes = {k: v[1] - v[0] for k, v in out.items()}
        if p.change_filter:
            cmp, bound, percent = p.change_filter
            test = {">": float.__gt__, "<": float.__lt__}[cmp]

            def growth(k: str) -> float:
                old, new = out[k]
                if percent:  # relative to the first year with its sign, as shown
                    return round(100.0 * (new - old) / old, 1) if old else float("nan")
                return float(abs(new) - abs(old) if tm.signed else new - old)

            changes = {k: v for k, v in changes.items() if test(growth(k), float(bound))}
        return changes
    # a plain listing of one year, ranked
    values = sorted(
        (r[tm.measure] for r in chosen if r[tm.time] == p.years[0]),
        key=lambda v: -abs(v) if tm.signed else -v,
    )
    return values[: p.limit] if p.limit else values


def _plans(catalog):
    model = semantic.load(catalog)
    tables = [t for t in model.tables.values() if t.measure and t.time and t.label]

    @st.composite
    def plans(draw):
        tm = draw(st.sampled_from(tables))
        labels = model.values[(tm.name, tm.label)]
        p = plan_mod.Plan(tm.name, measure=tm.measure)
        picked = draw(st.lists(st.sampled_from(labels), min_size=1, max_size=3, unique=True))
        p.filters.append(plan_mod.Filter(tm.label, "in", tuple(picked)))
        for column, value in tm.defaults.items():
            p.filters.append(plan_mod.Filter(column, "in", (value,), default=True))
        kind = draw(st.sampled_from(["sum", "change", "bounded change", "rank", "order", "yearly"]))
        years = draw(st.lists(st.sampled_from(tm.years), min_size=2, max_size=4, unique=True))
        if kind == "sum":
            p.aggregate, p.years = "sum", tuple(sorted(years))
        elif kind == "yearly":  # "förändringen mot året före, år för år"
            p.aggregate, p.group, p.yearly = "change", (tm.time,), True
        elif kind in ("change", "bounded change"):
            p.aggregate, p.years = "change", (min(years), max(years))
            if kind == "bounded change":  # "ökar mer än 5 procent", "minskar under 1 000 tkr"
                p.change_filter = (
                    draw(st.sampled_from([">", "<"])),
                    draw(st.integers(-20, 2000)),
                    draw(st.booleans()),
                )
        else:
            p.filters = p.filters[1:]  # rank all rows of one year
            p.rank, p.years = "desc", (years[0],)
            p.limit = draw(st.integers(1, 4)) if kind == "rank" else None  # "rangordna": all
            p.level = tm.levels["order"][0] if tm.levels else None
        return tm, p

    return plans()


def test_compiled_plans_equal_the_reference(data_set):
    catalog, model = data_set
    rows = {name: _rows(catalog, name) for name in model.tables if model.tables[name].time}

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=_plans(catalog))
    def check(case):
        tm, p = case
        sql, params = plancache.compile_plan(p, model)
        result = engine.run(catalog, sql, params)  # through the same gate as any SQL
        want = _reference(p, tm, rows[tm.name])
        if p.yearly:
            got = {r[0]: r[result.columns.index("förändring")] for r in result.rows}
            assert got == want
        elif p.aggregate == "sum":
            assert result.rows == [(want,)]
        elif p.aggregate == "change":
            got = {
                r[result.columns.index(tm.label)]: r[result.columns.index("förändring")]
                for r in result.rows
            }
            assert got == want
        else:
            got = [r[result.columns.index(tm.measure)] for r in result.rows]
            if p.limit is None:
                assert got == want
            else:
                # ties at the cut are all kept ("de 3 största" with two equal third places)
                assert got[: len(want)] == want and set(got[len(want) :]) <= {want[-1]}

    check()


# a bound as the reference computes it, beside the SQL the plan compiles
_PASSES = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}


def test_bounded_counts_per_group_equal_the_reference(data_set):
    # "vilka nämnder har mer än två utredningar": every group whose row count passes the bound
    catalog, model = data_set
    grouped = [
        (tm, d)
        for tm in model.tables.values()
        for d in tm.dimensions
        if not tm.time and d != tm.label and d not in tm.separators and d in _columns(catalog, tm)
    ]
    assert grouped

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        case=st.sampled_from(grouped),
        cmp=st.sampled_from([">", ">=", "<", "<=", "=", "!="]),
        bound=st.integers(0, 5),
    )
    def check(case, cmp, bound):
        tm, dim = case
        p = plan_mod.Plan(tm.name, aggregate="count", group=(dim,), having=(cmp, bound))
        sql, params = plancache.compile_plan(p, model)
        result = engine.run(catalog, sql, params)
        counts: dict[Any, int] = defaultdict(int)
        for r in _rows(catalog, tm.name):
            counts[r[dim]] += 1
        test = _PASSES[cmp]
        assert dict(result.rows) == {k: v for k, v in counts.items() if test(v, bound)}

    check()


def test_bounded_sums_per_group_equal_the_reference(data_set):
    # "vilka kategorier har mer än 100 mnkr sammanlagt 2025–2029": every group whose sum over
    # the years passes the bound, by size where the amounts carry a sign
    catalog, model = data_set
    summed = [
        (tm, g)
        for tm in model.tables.values()
        if tm.measure and tm.time and len(tm.years) > 1
        for g in (tm.label, *tm.dimensions)
        if g and g != tm.time and g not in tm.separators and g in _columns(catalog, tm)
    ]
    assert summed

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        case=st.sampled_from(summed),
        cmp=st.sampled_from([">", ">=", "<", "<="]),
        bound=st.integers(0, 400_000),
        ends=st.tuples(st.integers(0, 10), st.integers(0, 10)),
    )
    def check(case, cmp, bound, ends):
        tm, group = case
        first, last = sorted(i % len(tm.years) for i in ends)
        years = tm.years[first : last + 1]
        p = plan_mod.Plan(
            tm.name,
            aggregate="sum",
            measure=tm.measure,
            group=(group,),
            years=years,
            having=(cmp, bound),
        )
        sql, params = plancache.compile_plan(p, model)
        result = engine.run(catalog, sql, params)
        sums: dict[Any, int] = defaultdict(int)
        for r in _rows(catalog, tm.name):
            if r[tm.time] in years and r[tm.measure] is not None:
                sums[r[group]] += r[tm.measure]
        test = _PASSES[cmp]
        size = abs if tm.signed else int
        want = {k: v for k, v in sums.items() if test(size(v), bound)}
        assert {row[0]: row[1] for row in result.rows} == want

    check()


def _columns(catalog, tm) -> set[str]:
    return {c.name for c in catalog.tables[tm.name].columns}


# --- next year's budget answers from its own data -------------------------------------------


@pytest.mark.parametrize(
    "text, check",
    [
        ("totala investeringar under planperioden", lambda p: p.years == tuple(range(2026, 2031))),
        ("kommunbidrag ks nästa år", lambda p: p.years == (2027,)),
        ("de tre största investeringarna 2030", lambda p: p.years == (2030,) and p.limit == 3),
    ],
)
def test_next_year_reads_time_from_the_data(next_year, text, check):
    model = semantic.load(next_year)
    read = plan_mod.parse(model, text)
    assert isinstance(read, plan_mod.Plan) and check(read), read
    assert ask.answer(next_year, {}, text, {}).rows


def test_next_year_declines_this_years_first_year(next_year):
    with pytest.raises(NoAnswer):
        ask.answer(next_year, {}, "kommunbidrag ks 2024", {})


def test_shipped_catalog_is_not_the_next_years(catalog, next_year):
    assert semantic.load(catalog).budget_year + 1 == semantic.load(next_year).budget_year
    assert DATA.exists()
