"""Swedish question -> Plan -> SQL, and the plan explained back in Swedish.

A question is read word by word against the semantic model (semantic.py) and a small grammar of
Swedish operator words (ranking, negation, comparison, aggregates, time). Every content word
must be explained by the reading; a word left over makes the parser decline with that word
instead of guessing. The plan compiles to SQL with sqlglot's expression builder, values bound as
parameters, and runs through the same gate as any other statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ksquery.semantic import MAX_PHRASE, Model, Sense, TableModel, norm, tokens
from ksquery.swedish import NUMBER_WORDS, SYNONYMS, expand

# --- the grammar's own words: Swedish, not any one document's -------------------------------

_OP_WORDS: list[tuple[str, Any, tuple[str, ...]]] = []


def _op(kind: str, arg: Any, *phrases: str) -> None:
    _OP_WORDS.append((kind, arg, phrases))


class _Grammar:
    """The operator words and filler words in their compared form (stems), made on first use:
    by then the semantic model has preloaded the stems, so no stemmer is imported."""

    def __init__(self) -> None:
        self.ops: dict[str, tuple[str, Any]] = {}
        self.longest: dict[str, int] = {}  # a one-word operator's longest written form
        for kind, arg, phrases in _OP_WORDS:
            for p in phrases:
                key = " ".join(norm(w) for w in p.split())
                self.ops[key] = (kind, arg)
                if " " not in p:
                    self.longest[key] = max(self.longest.get(key, 0), len(p))
        self.filler = frozenset(norm(w) for w in _FILLER_WORDS.split()) | frozenset(
            norm(w) for w in NUMBER_WORDS if NUMBER_WORDS[w] > 1
        )


_GRAMMAR: list[_Grammar] = []


def grammar() -> _Grammar:
    """The grammar's compared words, made once per process."""
    if not _GRAMMAR:
        _GRAMMAR.append(_Grammar())
    return _GRAMMAR[0]


def grammar_words() -> list[str]:
    """Every operator and filler word as written (their stems go into the model's cache)."""
    return (
        [p for _, _, phrases in _OP_WORDS for p in phrases]
        + _FILLER_WORDS.split()
        + list(NUMBER_WORDS)
    )


_op("rank", "desc", "störst", "största", "högst", "högsta", "mest", "dyrast", "dyraste", "flest")
# ranking words that can rank a count of rows ("flest kontroller"); the others need a number
_COUNT_RANKS = {"flest", "färst", "mest", "minst", "topp", "top", "mesta", "minst av"}
_op("rank", "desc", "topp", "top", "tyngst", "tyngsta", "mesta", "värst", "allvarligast")
_op("rank", "asc", "minst", "minsta", "lägst", "lägsta", "billigast", "billigaste", "färst")
_op("rank", "asc", "minst av", "långsammast", "långsammaste")
_op("rank", "desc", "snabbast", "snabbaste", "kraftigast", "kraftigaste")
_op("second", "desc", "näst störst", "näst största", "näst högst", "näst högsta", "näst mest")
_op("second", "asc", "näst minst", "näst minsta", "näst lägst", "näst lägsta")
# ordering every row, not picking the first: "rangordna", "från störst till minst"
_op("order", "desc", "rangordna", "rangordnat", "rangordning", "rangordnade", "sortera", "sorterat")
_op(
    "order", "desc", "sorterade", "störst först", "högst först", "dyrast först", "i storleksordning"
)
_op("order", "desc", "från störst till minst", "från högst till lägst", "störst till minst")
_op("order", "desc", "från dyrast till billigast", "högst till lägst", "fallande")
_op("order", "asc", "minst först", "lägst först", "billigast först", "från minst till störst")
_op("order", "asc", "från lägst till högst", "minst till störst", "stigande")
_op("not", None, "inte", "ej", "utan", "saknar", "saknas", "icke", "inga", "ingen", "inget")
_op("not", None, "aldrig", "inte har", "som saknar", "exklusive", "förutom", "utom", "exkl")
_op(
    "not",
    None,
    "utanför",
    "räknar bort",
    "räknat bort",
    "räknas bort",
    "bortsett från",
    "borträknat",
)
_op("not", None, "om man räknar bort", "om man bortser från", "drar bort", "dra bort", "frånräknat")
_op("not", None, "exkluderar", "exkludera", "exkluderat", "exkluderas")
_op("which", None, "vilka delar av", "vilka delar i", "vilka delar")  # rows, not a share
_op("neither", None, "varken")  # "varken accepteras eller kontrolleras": neither one
# a scale's level by its word ("vilken väsentlighet har cyberhot, i ord")
_op("in_words", None, "i ord", "med ord", "uttryckt i ord", "i klartext", "med skalans ord")
_op("agg", "sum", "totalt", "sammanlagt", "summa", "summan", "tillsammans", "sammanräknat")
_op("agg", "sum", "sammantaget", "totala", "total", "summerat", "summerade", "sammanlagda")
_op("agg", "sum", "i summa", "i hela", "sammanlagd", "totalsumma", "totalsumman", "totalen")
_op("agg", "count", "hur många", "antal", "antalet", "hur stort antal")
_op("count_years", None, "hur många år", "antal år", "hur många av åren")
_op("agg", "avg", "genomsnitt", "snitt", "medel", "medelvärde", "genomsnittlig", "genomsnittliga")
_op("agg", "avg", "genomsnittet", "snittet", "medelvärdet", "i snitt", "i genomsnitt", "medeltal")
_op("share", None, "andel", "andelen", "hur stor del", "procent", "procentuellt", "%", "del av")
_op("noop", None, "som en del av", "en del av")  # "granskning som en del av metoden"
_op("noop", None, "i så fall", "och i så fall", "i sådana fall")
_op(
    "noop",
    None,
    "i absoluta tal",
    "absoluta tal",
    "enligt texten",
    "texten säger att",
    "texten säger",
)
_op("noop", None, "stämmer det med tabellen", "enligt tabellen", "med tabellen")
_op("share", None, "hur stor andel", "procentandel", "hur många procent", "hur mycket av")
_op("change", None, "ökar", "ökning", "ökningen", "minskar", "minskning", "minskningen")
_op("change", None, "förändring", "förändringen", "skillnad", "skillnaden", "differens", "växer")
_op(
    "change", None, "förändras", "ökat", "minskat", "höjs", "sänks", "förändrats", "stiger", "stiga"
)
_op("change", None, "sjunker", "sjunka", "tappar", "tappa", "går upp", "går ner", "går ned")
_op("change", None, "ökade", "minskade", "utveckling", "utvecklingen", "förändringar", "öka")
_op("change", None, "minska", "förändra", "förändrades", "höjning", "sänkning")
_op("change", None, "ändring", "ändringen", "utvecklats", "utvecklas", "differensen")
_op("change", None, "fördubblas", "fördubblats", "halveras", "halverats", "dubblas", "tredubblas")
_op("change", None, "steg", "sjönk", "stigit", "sjunkit", "steg med", "sjönk med")
_op("per", None, "per", "varje", "för varje", "fördelat på", "uppdelat på", "fördelade på")
_op("per", None, "fördelning", "fördelningen", "uppdelning", "uppdelat", "fördelat", "vardera")
_op("per", None, "fördelas", "fördelade", "fördelar", "fördelas på", "fördelat per")
_op("per", None, "i varje", "för respektive", "respektive")
# each year against the one before ("vilket år ökar X mest jämfört med året innan")
_op("yearly", None, "jämfört med året innan", "mot året innan", "från året innan", "året innan")
_op("yearly", None, "mellan vilka två år", "mellan vilka år", "från vilket år till nästa")
_op("yearly", None, "jämfört med föregående år", "årlig ökning", "ökning per år")
_op("cmp", ">", "över", "mer än", "fler än", "högre än", "större än", ">", "överstiger")
_op("cmp", ">", "passerar", "överskrider", "går över")
_op("cmp", ">", "mer", "fler", "högre", "större")
_op("cmp", ">=", "åtminstone", "≥", ">=")
_op("cmp", "<", "under", "mindre än", "färre än", "lägre än", "<", "understiger")
_op("cmp", "<", "mindre", "färre", "lägre")
_op("cmp", "<=", "max", "maximalt", "som mest", "≤", "<=")
_op("cmp", "=", "exakt", "precis", "lika med", "=")
_op("cmp_after", ">=", "eller mer", "eller högre", "eller fler", "eller över", "eller större")
_op("cmp_after", "<=", "eller mindre", "eller lägre", "eller färre", "eller under")
_op("between", None, "mellan")
_op("from", None, "från", "fr.o.m", "fr o m", "från och med", "sedan", "fr.o.m.")
_op("after", None, "efter", "senare än")
_op("to", None, "till", "t.o.m", "till och med", "tom", "t o m")
_op("to_sum", None, "fram till", "fram till och med", "fram t.o.m", "fram tom", "upp till")
_op("year_rel", 1, "nästa år", "kommande år", "nästkommande år", "nästa års")
_op("year_rel", 0, "i år", "innevarande år", "budgetåret", "detta år", "årets budget", "årets")
_op("year_rel", -1, "förra året", "föregående år", "fjolåret", "i fjol", "förra årets")
_op("year_rel", 1, "om ett år", "om 1 år")
_op("year_rel", 2, "om två år", "om 2 år", "om två års")
_op("year_rel", 3, "om tre år", "om 3 år")
_op("year_rel", "last", "sista året", "sista planåret", "sista år", "sista budgetåret")
_op("year_rel", "last", "sista året i planen", "planperiodens sista år", "sista planår")
_op("first", None, "först", "första gången", "för första gången", "börjar", "tidigast")
_op("first", None, "från vilket år", "från och med vilket år", "sedan vilket år", "från vilket")
_op("compare", None, "jämför", "jämfört med", "jämförelse", "mot", "vs", "sida vid sida")
_op("compare", None, "jämfört", "jämföra", "gentemot", "i förhållande till", "bredvid")
_op("which", None, "vilken", "vilka", "vilket", "vilkas", "vilken av", "vilka av")
_op("who", None, "vem", "vems", "vilka personer", "vem är det som", "vilken roll")
_op("who_is", None, "vem är", "vad heter", "vad kallas")
_op("and", None, "och", "samt", "plus", "respektive och", "&", "o", "resp", "respektive", "eller")
_op("and", None, "ihop med", "tillsammans med", "inklusive", "inkl", "inräknat", "inberäknat")
_op("agg", "sum", "ihop", "sammanlagt", "totalbelopp", "samlade", "samlat", "samlad")
_op("agg", "sum", "ackumulerat", "ackumulerad", "ackumulerade", "sammantagna")
_op("unit", 1000, "miljoner", "miljon", "mnkr", "mkr", "milj")
_op("but", None, "men", "däremot")
_op("ordinal", 2, "den andra", "det andra", "andra i ordningen", "nummer två", "nummer 2")
_op("ordinal", 3, "den tredje", "det tredje", "tredje", "nummer tre", "nummer 3")
_op("ordinal", 1, "den första", "det första", "nummer ett", "nummer 1")
_op("ordinal", 4, "fjärde", "den fjärde", "det fjärde", "nummer fyra", "nummer 4")
_op("ordinal", 5, "femte", "den femte", "det femte", "nummer fem", "nummer 5")
_op("ordinal", 6, "sjätte", "den sjätte", "det sjätte", "nummer sex", "nummer 6")
_op("same", None, "samma", "lika", "likadant", "exakt samma", "precis samma", "exakt lika")
_op("whole", None, "hela", "alla år", "under hela")
_op("only", None, "bara", "endast", "enbart", "just", "enda", "en enda", "bara en", "endast en")
_op("times", None, "gånger", "hur många gånger", "gånger så", "gånger större", "gånger mer")
_op("list", None, "lista", "lista alla", "visa alla", "räkna upp", "ställ upp", "ställa upp")
_op("minus", None, "minus")  # "intäkter minus kostnader": the two rows and their difference
_op("agg", "count", "räkna dem", "räkna dessa", "hur många är de", "hur många är det")
# a verb with its preposition, not a span: "vad uppgår investeringarna till nästa år"
_op("noop", None, "uppgår till", "uppgick till", "uppgå till", "landar på", "hamnar på")
_op("noop", None, "summerar till", "uppgår totalt till", "går till")
_op("direct", None, "direkt", "omedelbart")  # "direkt under X": the rows just below
_op(
    "noop", None, "ansvar för att", "ansvaret för att", "under sig", "alla nivåer", "på alla nivåer"
)
_op("other", None, "annan", "annat", "andra än", "övriga än")
_op("than", None, "än", "jämfört med än")
_op("year_word", None, "år", "året", "åren", "årsvis", "årligen", "per år", "budgetår", "årtal")
_op("year_word", None, "år för år")
_op("when", None, "när", "vilket år", "vilka år", "under vilket år", "vilket årtal")
_op("howmuch", None, "hur mycket", "hur mycket pengar", "hur stor summa")
# "vilka objekt får pengar 2029": the rows with an amount, not those at zero
_op("nonzero", None, "får pengar", "har pengar", "får medel", "har medel", "tilldelas pengar")
_op("nonzero", None, "har några pengar", "får några pengar", "har någon budget", "får någon budget")
_op("nonzero", None, "får budget", "har budget", "får något", "med pengar", "har belopp")
_op("zero", None, "får ingenting", "ingenting", "inga pengar alls", "noll kronor")
_op("zero", None, "på noll", "ligger på noll", "står på noll")
_op("than_row", None, "som", "som för", "som risken")
# Questions about reasons, purposes and decisions are answered from the document's text.
_TEXT = re.compile(
    r"^\s*(varför|hur går det (?:för|med)|vad är status|vad går .* ut på|"
    r"vad ska .* (?:börja|inledas|starta) med|hur ska|hur kommer|"
    r"hur planerar|"
    r"vad står(?! det för)|vad säger|"
    r"berätta|beskriv|förklara|vad handlar|vad ska .* användas|vad används|vad är syftet|"
    r"vad gäller|på vilket sätt|vad ska göras|hur (?:kontrolleras|hanteras|följs|genomförs|görs|"
    r"sker|fungerar|motiveras|finansieras|påverkas|säkerställs|arbetar)|när antogs|när beslutade|"
    r"vem beslutade|vad är målet|vad är fokus|vilket fokus|vad fokuserar|vad är uppdraget|"
    r"vad gör|vad ingår|hur hanteras|vad orsakar|vad beror|vad förklarar|vad tänker|hur ofta|"
    r"vad ska \w+ använda)\b|\b(syfte|syftet|motivering|beror|förklarar|"
    r"motiveringen|motiverar|anledning|anledningen|användas till|används till|beror på|orsaken|"
    r"orsakar|"
    r"varför|fokusera|fokuserar|hanteras)\b|"
    # what the text says about something: "vad nämns om X", "står det något om Y", "vad sysslar
    # X med", "vad ligger bakom"
    r"\b(vad (?:står(?! det för)|nämns|sägs|skrivs)|står det(?! för)|nämns det|sägs det|"
    r"skrivs det|sysslar|jobbar|"
    r"vad hände|vad händer|grundar (?:sig|den|det)|vad ligger bakom|förklaras|jobba med|"
    r"arbeta med|vad planeras|för något|vad arbetar|"
    r"hur tänker|vad görs|göra åt|görs åt|hur mäter|hur mäts|som gör att|hur redovisas|hur styrs|"
    r"hur organiseras|vad ansvarar|vad visade|vad visar)\b"
)
_FILLER_WORDS = """
    vad vilka hur mycket många är var finns det den de dem som med för på i om av till att har
    ange anges uppge uppger via påstår påstod hävdar hävdade sa sade menar nästan ens kring kommit
    oppositionen politiker politikern politikerna debattören debattör slutändan lyder
    hade ska skall kan visa ge lista mig oss en ett står säger jag vi man läggs blir alla all
    går gå satsas avsätts kostar planeras får fick ges tack snabbfråga alltså där här nu då ju
    väl egentligen ungefär hela sina sin sitt deras dess inom under stor stora liten lite
    belopp kr kronor tkr mnkr värde finnas fanns haft redovisa redovisas budgeterat budgeteras
    budgeterade beräknat beräknas planerat läggas lagt lägger pengar pengarna summa kommer
    kommande enligt uppgå uppgår uppgick landar landa hamnar både skulle vore kunna kunde
    sammanställ ta fram plocka ut skriv tala säg berätta näst gärna snälla hej ok okej också
    även allihop sett nämns nämnda angivna angivet angett ligger ligga varav någon något några
    föreslog föreslagit föreslår föreslagits föreslås lämnat lämnade tog togs gäller gällde
    handlar rör berör avser ser helt kom fått mkt upp ingick ingår ingått används använder
    användes bedöms bedömts bedömd hos själv själva kort kortfattat samma räknar räknas låg
    köper kollar håller sköter följa följer granska granskar göra gör utgör utgörs består egna
    ändå heller sig års sista väger kallas kallad kallade motsvarar motsvara motsvaras bland
    st cirka tur andra annan annat hör närmast valt valda väljer mäter mäts samtliga olika
    enskild enskilda storlek storleksordning få betalar betala betalas varandra saker sak
    grejer du ni denna detta dom dig er min mitt mina din ditt dina vårt hans hennes vill
    ville måste bör borde behöver brukar hejsan tjena hämta titta se undrar undra veta vet
    presentera sammanfatta liksom dvs kanske vid åt genom varit blev bli funnits allt angående
    beträffande avseende snabbt frågan fråga svar svaret siffra siffran siffror siffrorna ha
    ensam enkelt extra plötsligt bestämt vanliga vanlig lägga decimal decimaler trots bakom
    deltar satt enskilt delvis innehåller stämmer stämde sant sanning ner
    vördsamt vänligen vänligast upplysa upplys meddela månne måhända torde ämnar ämnade anno
    ödmjukt ödmjukast möjligen hälsningar
"""
_AMOUNT_VERBS = {"uppgår", "uppgick", "uppgå", "landar", "hamnar", "summerar"}
_CHANGE_FORMS = {"ändras", "ändrats", "ändrades", "ändrad", "ändra", "förändra"}
_DIGITS = re.compile(r"^\d+$")
_GROUPED = re.compile(r"(?<![\d,.])(\d{1,3})[ \u00a0\u202f](\d{3})(?![\d,])")
_POSSESSIVE = re.compile(r"(\w):s\b")  # "expl:s kostnader"
_ARROW = re.compile(r"\s*(?:->|→|=>|–>)\s*")
_SHORT_YEAR = re.compile(r"\b(plan|budget|bu|pl|år|b)\s*-?(\d\d)\b")
# "KS -26", "mellan -24 och -25": a dash before two digits is a year, never a negative amount
_DASH_YEAR = re.compile(
    r"(?<![\w-])[-–](\d\d)\b(?!\s*(?:%|procent|tkr|mnkr|kr\b|miljon|tusen|[.,]\d))"
)


def _full_year(m: re.Match) -> str:
    word = {"bu": "budget", "pl": "plan", "b": "budget"}.get(m.group(1), m.group(1))
    return f"{word} 20{m.group(2)}"


_ANY_YEAR = re.compile(r"\b(?:något|inget|ett enda) (?:av )?år(?:en)?\b|\balla år(?:en)?\b")
_MINUS_NUMBER = re.compile(r"\bminus\s+(?=\d)")
_SCALE_HINT = re.compile(r"\(\s*\d{1,2}\s*(?:[-–]|till)\s*\d{1,2}\s*\)")
_FOR_YEAR = re.compile(r"\bför (?=(?:19|20)\d\d\b)")
_RANGE = re.compile(r"\b((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)\b")


# --- the plan --------------------------------------------------------------------------------


@dataclass
class Filter:
    column: str
    op: str  # in, cmp, flag, exists, row, contains
    values: tuple = ()
    negate: bool = False
    cmp: str = "="
    extra: Any = None  # relation spec for exists
    pos: int = 0  # where the question names it: the last thing named is a share's part
    default: bool = False


@dataclass
class Plan:
    """What a question asks, explicitly: table, measure, filters, years, grouping, ranking."""

    table: str
    aggregate: str | None = None  # sum count avg share change first setdiff compare
    measure: str | None = None
    filters: list[Filter] = field(default_factory=list)
    years: tuple[int, ...] = ()
    group: tuple[str, ...] = ()
    rank: str | None = None  # desc / asc
    limit: int | None = None
    answer: str | None = None  # the column a "vilken nämnd" question asks for
    level: str | None = None  # the level of a hierarchy the rows come from
    defaults: tuple[str, ...] = ()
    when: bool = False  # "när": the years something has money
    by: str | None = None  # the numeric column a ranking or comparison uses
    whole: tuple[str, str] | None = None  # a share's whole when it is a named row
    decrease: bool = False  # "minskar mest": the most negative change first
    show: tuple[str, ...] = ()  # columns the question names, shown beside the usual ones
    change_filter: tuple[str, int, bool] | None = None  # (cmp, bound, in percent) on a change
    answer_only: bool = False  # "vilken kategori hör X till": the answer, not X's amounts
    latest: bool = False  # with aggregate "first": the last year with an amount instead
    part: tuple[str, Any] | None = None  # a share's part when the whole lists it with another
    versus_by: str | None = None  # the column whose two values "versus" compares (else label)
    versus_total: bool = False  # "under planperioden": one sum over the years, not year by year
    count_years: bool = False  # "hur många år …": count the years, not the rows
    by_percent: bool = False  # "ökar mest i procent": rank a change by its percent
    yearly: bool = False  # with aggregate "change": each year against the year before
    with_avg: bool = False  # "totalt och snitt per år": the sum and the yearly average
    ratio: bool = False  # "hur många gånger större": a comparison's ratio too
    constant: bool = False  # "samma belopp varje år": the rows whose amount never changes
    change_claim: tuple[int, int] | None = None  # "ökar med 5,2 mnkr": (amount, rounding)
    nth: int | None = None  # "näst störst": the row ranked this, alone
    having: tuple[str, int] | None = None  # "nämnder med mer än två utredningar": (cmp, count)
    with_count: bool = False  # "hur många …, och vilka": the rows and how many there are
    filter_asked: bool = False  # a yes/no on the change bound: a 'stämmer' column, no filter
    count_of: str | None = None  # "hur många nämnder …": count this column's different values
    scale_names: bool = False  # "i ord": each scale column's level shown by its word too
    either_way: bool = False  # "förändras mest": the largest change up or down, by size

    def as_dict(self) -> dict[str, Any]:
        """The plan for --format json."""
        return {
            "tabell": self.table,
            "mått": self.measure,
            "aggregat": self.aggregate,
            "filter": [
                {
                    "kolumn": f.column,
                    "typ": f.op,
                    "jämförelse": f.cmp,
                    "värden": list(f.values),
                    "inte": f.negate,
                }
                for f in self.filters
            ],
            "år": list(self.years),
            "gruppering": list(self.group),
            "rangordning": self.rank,
            "gräns": self.limit,
            "nivå": self.level,
            "standardval": list(self.defaults),
            "förändringsvillkor": list(self.change_filter) if self.change_filter else None,
            "bara_svaret": self.answer_only,
            "sista": self.latest,
            "del": list(self.part) if self.part else None,
            "jämför": self.versus_by,
            "summerat": self.versus_total,
            "räkna_år": self.count_years,
            "efter_procent": self.by_percent,
            "år_för_år": self.yearly,
            "med_snitt": self.with_avg,
            "kvot": self.ratio,
            "oförändrad": self.constant,
            "påstådd_förändring": list(self.change_claim) if self.change_claim else None,
            "plats": self.nth,
            "antal_villkor": list(self.having) if self.having else None,
            "med_antal": self.with_count,
            "villkoret_frågas": self.filter_asked,
            "räkna_olika": self.count_of,
            "skalans_ord": self.scale_names,
            "åt_båda_hållen": self.either_way,
        }


@dataclass
class Decline:
    """Why a question was not understood: the words no reading explains, or a value not held."""

    reason: str
    words: tuple[str, ...] = ()
    table: str | None = None
    unread: bool = False  # the words are ones no reading explains (not a value the data lacks)
    hint: str | None = None  # where the answer can be found instead


@dataclass
class _Item:
    text: str
    senses: list[Sense]
    number: int | None = None
    compound: bool = False  # two words in one ('medelriskvärde'): each part may count
    parts: tuple = ()  # a compound's senses, part by part
    absent: bool = False  # a thing the document does not hold ([semantic] absent)


# --- reading the text --------------------------------------------------------------------------


_TEXT_WORDS = re.compile(
    r"\b(varför|förklarar|förklaring|förklaringen|orsak|orsaken|orsakar|anledning|anledningen|"
    r"motivering|motiveringen|syfte|syftet|beror på)\b"
)


def without_text_words(text: str) -> str:
    """The question without the words that ask for reasons ('varför ökar X' -> 'ökar X')."""
    return _TEXT_WORDS.sub(" ", text.lower())


def marks(model: Model, text: str) -> tuple[tuple[str, ...], bool]:
    """From one reading of the words: those that name what the document does not hold
    ("utfallet", "den senaste pulsmätningen": no paragraph answers them either), and whether
    the question picks a row by its place ("den andra inriktningen": the table reads it, not
    the text search)."""
    found = items(model, text)
    absent = tuple(it.text for it in found if it.absent)
    ordinal = any(s.kind == "op" and s.column == "ordinal" for it in found for s in it.senses)
    return absent, ordinal


def is_textual(text: str) -> bool:
    """True for why/what-for/when questions that the document's words answer."""
    return bool(_TEXT.search(text.lower()))


def items(model: Model, text: str) -> list[_Item]:
    """Tokens grouped into the longest phrases the grammar or the model knows."""
    low = _ARROW.sub(" till ", expand(_POSSESSIVE.sub(r"\1", text)))
    low = _RANGE.sub(r"\1 till \2", low)
    low = _GROUPED.sub(r"\1\2", low)  # "16 500" is one number
    low = _SCALE_HINT.sub(" ", low)  # "väsentlighetsvärde (1–4)": the scale's range, said
    low = _FOR_YEAR.sub("", low)  # "internkontrollplanen för 2024" names what "… 2024" does
    low = _SHORT_YEAR.sub(_full_year, low)  # "plan 26", "bu25": the years of this century
    low = _DASH_YEAR.sub(r"20\1", low)
    low = _MINUS_NUMBER.sub("-", low)  # "på minus 8803 tkr": a negative amount
    toks = [SYNONYMS.get(t, t) for t in tokens(low)]
    keys = [norm(t) if not _DIGITS.match(t) else t for t in toks]
    out: list[_Item] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if _DIGITS.match(t) or re.match(r"^\d+[.,]\d+$", t):
            value = int(t) if _DIGITS.match(t) else None
            out.append(_Item(t, [Sense("number")], value))
            i += 1
            continue
        found = None
        for n in range(min(MAX_PHRASE, len(toks) - i), 0, -1):
            key = tuple(keys[i : i + n])
            senses = list(model.senses(key))
            op = grammar().ops.get(" ".join(key))
            if op and n == 1 and len(toks[i]) > grammar().longest.get(key[0], 99) + 3:
                op = None  # a longer word is no inflection: fastigheter is not fast
            if n == 1 and toks[i] == "årets":
                op = ("year_rel", 0)  # "årets investeringar" (its stem is the year word's)
            if n == 1 and toks[i] in _CHANGE_FORMS:
                op = ("change", None)  # "hur ändras": its stem is "andra"'s (other)
            if op:
                senses.insert(0, Sense("op", column=op[0], value=op[1]))
            if (
                n == 1
                and key[0] in grammar().filler
                and all(s.kind in ("partial", "dimension") for s in senses)
            ):
                # 'gäller', 'ligger': a word of a name, not a name; 'ingår' of "ingår_i"
                senses = [Sense("filler")]
            elif n == 1 and key[0] in grammar().filler and senses and not op:
                senses.append(Sense("filler"))  # 'värde': another table's measure, here nothing
            if senses:
                found = _Item(" ".join(toks[i : i + n]), senses)
                i += n
                break
        if found is None:
            senses, parts = _fuzzy(model, keys[i], t)
            found = _Item(t, senses, compound=bool(parts), parts=parts)
            i += 1
        if any(s.kind == "absent" for s in found.senses):
            found = _Item(found.text, [], absent=True)  # "löneökningen": not in the data
        if NUMBER_WORDS.get(t, 1) > 1 and not any(s.kind != "filler" for s in found.senses):
            found = _Item(t, [Sense("number")], NUMBER_WORDS[t])
        out.append(found)
    return out


_NOT_IN_COMPOUNDS = ("filler", "owner", "parent")


def _fuzzy(model: Model, key: str, word: str) -> tuple[list[Sense], tuple]:
    """Senses of a word the lexicon lacks, and whether it is a compound: a filler word, a
    compound of two known words ('fastighetsinvesteringar', 'medelriskvärde'), a typo, or an
    inflection the stemmer left."""
    if key in grammar().filler or word in NUMBER_WORDS:
        return [Sense("filler")], ()
    for cut in range(len(word) - 3, 2, -1):  # compounds: left part known, right part known
        left, right = word[:cut], word[cut:]
        if len(right) < 4:
            continue
        right_senses = _content(_word_senses(model, right))
        if not right_senses:
            continue
        left_senses = _content(_word_senses(model, left)) or (
            _content(_word_senses(model, left[:-1])) if left.endswith("s") else []
        )
        if left_senses:
            named = {s.table for s in left_senses if s.kind == "table"}
            if named:
                # 'investeringspost': a post of the investments, not the operating budget's
                right_senses = [
                    s for s in right_senses if s.kind != "table" or s.table in named
                ] or right_senses
            return left_senses + right_senses, (left_senses, right_senses)
    from rapidfuzz import fuzz, process

    singles = _singles(model)
    if len(key) >= 5:
        hit = process.extractOne(key, singles, scorer=fuzz.ratio, score_cutoff=86)
        if hit:
            return (list(model.senses((hit[0],))) or _op_senses(hit[0])), ()
        for i in range(len(key) - 1, max(4, len(key) - 4), -1):  # 'lönekostnadern'
            if (key[:i],) in model.lexicon:
                return list(model.senses((key[:i],))), ()
    if len(key) >= 5:  # a word cut short ('utredn.'): the words it begins, if one meaning
        begun = [
            v
            for k, v in model.lexicon.items()
            if len(k) == 1 and k[0].startswith(key) and "_" not in k[0]  # no column names
        ]
        meanings = {tuple((s.kind, s.table, s.column, str(s.value)) for s in v) for v in begun}
        if len(meanings) == 1:
            return list(begun[0]), ()
    return [], ()


def _content(senses: list[Sense]) -> list[Sense]:
    """Senses that carry meaning in a compound: 'nämndens' in 'överförmyndarnämndens' is no
    filler that would let the whole word pass."""
    return [s for s in senses if s.kind not in _NOT_IN_COMPOUNDS]


_DEFINITE = ("en", "n", "na", "et", "t")  # 'nivån', 'objekten': endings the stemmer keeps


def _word_senses(model: Model, word: str) -> list[Sense]:
    key = norm(word)
    senses = list(model.senses((key,))) + _op_senses(key)
    for ending in _DEFINITE:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            base = norm(word[: -len(ending)])
            if base != key:
                senses += [s for s in model.senses((base,)) if s not in senses]
            break
    if not senses and len(key) >= 5:
        senses = [
            s for k, v in model.lexicon.items() if len(k) == 1 and k[0].startswith(key) for s in v
        ][:3]
    return senses


def _op_senses(key: str) -> list[Sense]:
    op = grammar().ops.get(key)
    return [Sense("op", column=op[0], value=op[1])] if op else []


def _singles(model: Model) -> list[str]:
    cached = getattr(model, "_singles", None)
    if cached is None:
        cached = [k[0] for k in model.lexicon if len(k) == 1] + [
            k for k in grammar().ops if " " not in k
        ]
        model._singles = cached  # type: ignore[attr-defined]
    return cached


_PRIORITY = {
    "absent": 12,
    "value": 0,
    "partial": 10.5,
    "owner": 11.5,
    "parent": 9.5,
    "flag": 1,
    "relation": 2,
    "level": 3,
    "category": 4,
    "number": 5,
    "measure": 6,
    "dimension": 7,
    "table": 8,
    "time": 9,
    "op": 10,
    "filler": 11,
}


def _admissible(sense: Sense, table: str) -> bool:
    # a parent word ('i', 'under') of another table is only a preposition here
    return sense.table in (None, table) or sense.kind == "parent"


_WEIGHT = {"dimension": 1, "partial": 1, "parent": 1, "number": 1}  # else 2


def choose_table(model: Model, items: list[_Item]) -> tuple[str | None, list[str]]:
    """The table whose reading leaves the fewest words unexplained, and those words."""
    candidates = {s.table for it in items for s in it.senses if s.table}
    best: tuple | None = None
    for table in sorted(candidates):
        left = [
            it.text
            for it in items
            if it.number is None
            and not any(_admissible(s, table) for s in it.senses)
            and it.senses != [Sense("number")]
        ]
        # how firmly the words name this table: a value, measure or flag more than a column name
        own = sum(
            max((_WEIGHT.get(s.kind, 2) for s in it.senses if s.table == table), default=0)
            for it in items
        )
        named = [
            i
            for i, it in enumerate(items)
            if any(s.kind == "table" and s.table == table for s in it.senses)
        ]
        first = named[0] if named else len(items)
        score = (len(left), -bool(named), first, -own)
        if best is None or score < best[0]:
            best = (score, table, left)
    if best is None:
        left = [it.text for it in items if not it.senses]
        return None, left
    return best[1], best[2]


def parse(model: Model, text: str) -> Plan | Decline:
    """Read a Swedish question into a Plan, or a Decline naming what was not understood."""
    found = items(model, text)
    unknown = [it.text for it in found if not it.senses]
    table, left = choose_table(model, found)
    if table is None:
        return Decline("frågan nämner inget i budgetens tabeller", tuple(unknown), unread=True)
    left = [w for w in left if w] + [w for w in unknown if w not in left]
    named = {
        norm(w)
        for it in found
        for s in it.senses
        if s.kind in ("partial", "value") and s.table == table
        for w in tokens(str(s.value))
    }
    # "översyn av lokalkostnader med fokus på specialobjekt": a word of the name the rest of
    # the question names is part of that name, whatever else it could mean
    absorbed = {w for w in left if tokens(w) and all(norm(t) in named for t in tokens(w))}
    left = [w for w in left if w not in absorbed]
    found = [_Item(it.text, [Sense("filler")]) if it.text in absorbed else it for it in found]
    tm = model.tables[table]
    asks_rows = any(
        s.kind == "op" and s.column in ("which", "who") for it in found for s in it.senses
    )
    # "vilka kontroller görs genom stickprov"; not where a row is named (its text is asked)
    names_row = any(
        s.kind in ("value", "partial") and s.column == tm.label and s.table == table
        for it in found
        for s in it.senses
    )
    said = _said_in_text(tm, left) if asks_rows and not names_row and len(left) <= 2 else {}
    if said:
        # "vilka kontroller görs genom stickprov": every word left is in one text column
        left = [w for w in left if w not in said]
        found = [_Item(it.text, [Sense("filler")]) if it.text in said else it for it in found]
    if left:
        return Decline(
            "orden passar inte i någon läsning", tuple(dict.fromkeys(left)), table, unread=True
        )
    loose = _only_loose_words(found, table)
    if loose:
        return Decline("ett enstaka ord ur ett längre namn räcker inte", loose, table)
    amount = [
        it.text
        for it in found
        if any(
            (s.kind == "measure" and s.table != table) or (s.kind == "op" and s.column == "howmuch")
            for s in it.senses
        )
        and not any(s.table == table and s.kind != "filler" for s in it.senses)
    ]
    if amount and not tm.measure:
        # "vad kostar införandet av e-arkivet": the table holds no amounts to answer with
        return Decline(f"{tm.noun} har inga belopp", tuple(amount), table)
    reader = _Reader(model, tm, found)
    for word, (column, stem_) in said.items():
        pos = next(i for i, it in enumerate(found) if it.text == word)
        reader.plan.filters.append(Filter(column, "contains", (stem_,), pos=pos))
        if column not in reader.plan.show and column not in tm.show:
            reader.plan.show += (column,)  # the text the filter reads, to see why a row is there
    return reader.read()


def _said_in_text(tm: TableModel, left: list[str]) -> dict[str, tuple[str, str]]:
    """Words no reading explains that one descriptive text column of the table holds (its
    stems from the data): word -> (column, stem). Empty unless every such word is found."""
    found: dict[str, tuple[str, str]] = {}
    for word in left:
        key = norm(word)
        columns = [c for c, vocab in tm.texts.items() if key in vocab]
        if len(key) < 4 or len(columns) != 1:
            return {}
        found[word] = (columns[0], tm.texts[columns[0]][key])
    return found


_SUPPORT = ("filler", "op", "owner", "parent", "number", "time")


def _only_loose_words(found: list[_Item], table: str) -> tuple[str, ...]:
    """The words that tie the question to the table when they are only single words out of
    long names ('anställda' of "Anställdas missbruk upptäcks inte") and nothing else in the
    question names the table: "hur många anställda har KS" is not about that risk."""
    loose = []
    said: dict[str, int] = {}  # name -> how many of its words the question says
    for it in found:
        senses = [s for s in it.senses if s.table == table and s.kind not in _SUPPORT]
        if not senses:
            continue
        if any(s.kind != "partial" for s in senses):
            return ()  # a table word, a column, a whole name: the table is named
        for name in {str(s.value) for s in senses}:
            said[name] = said.get(name, 0) + len(tokens(it.text))
        loose.append(it.text)
    if any(n * 2 >= len([w for w in tokens(name) if len(w) > 2]) for name, n in said.items()):
        # most of a name ('energibristen' of "Energibrist/effektbrist"; 'införandet' and
        # 'e-arkiv' of "Införande av ett E-arkiv")
        return ()
    return tuple(loose)


def merge_follow_up(model: Model, previous: str, addition: str) -> str:
    """'och 2027?' or 'samma för expl' after a question: the earlier question with the new parts
    in place of the old ones of the same kind (years, or values of the same column)."""
    new = items(model, addition)
    columns = {(s.table, s.column) for it in new for s in it.senses if s.kind == "value"}
    years = any(_is_year(it) for it in new)
    kept = []
    for it in items(model, previous):
        if years and (
            _is_year(it)
            or any(s.kind == "op" and s.column in ("between", "from", "to") for s in it.senses)
        ):
            continue
        if any(s.kind == "value" and (s.table, s.column) in columns for s in it.senses):
            continue
        kept.append(it.text)
    return " ".join([*kept, addition]).strip()


def canonical(model: Model, text: str) -> str:
    """The text with other names for a value replaced by the value's own name ('IT-avdelningen'
    -> 'IT- och kommunikationsavdelningen'), for the text search."""
    out = []
    for it in items(model, text):
        named = sorted({str(s.value) for s in it.senses if s.kind == "value"})
        if len(named) == 1:
            out.append(named[0])
        elif named and it.text.casefold() not in {n.casefold() for n in named}:
            out.append(" ".join([it.text, *named]))  # "IT-avdelningen": each thing it may name
        else:
            out.append(it.text)
    return " ".join(out)


def _is_year(item: _Item) -> bool:
    return item.number is not None and 1900 <= item.number <= 2100 and len(item.text) == 4


_YES_NO = {
    "är",
    "blir",
    "ligger",
    "överstiger",
    "understiger",
    "kommer",
    "får",
    "har",
    "stämmer",
    "håller",
    "hamnar",
    "landar",
    "når",
}


class _Reader:
    """Walks the items left to right, building the plan (one instance per question)."""

    def __init__(self, model: Model, tm: TableModel, items: list[_Item]) -> None:
        self.model, self.tm, self.items = model, tm, items
        self.plan = Plan(tm.name, measure=tm.measure)
        self.values: dict[str, list[str]] = {}
        self.value_pos: dict[str, int] = {}
        self.value_at: dict[str, int] = {}
        self.value_seen: dict[str, list[int]] = {}  # every place a value is named
        self.negate = False
        self.cmp: str | None = None
        self.numeric: str | None = None  # the numeric column last named
        self.years: list[int] = []
        self.excluded_years: list[int] = []
        self.span: list[int | None] = [None, None]
        self.pending: str | None = None  # per, which, between, from, to, first, but
        self.limit: int | None = None
        self.problems: list[str] = []
        self.dims_named: list[str] = []
        self.parent: str | None = None
        self.ask_parent: str | None = None
        self.how_much = False
        self.cumulative = False
        self.top_level = False
        self.decrease = False
        self.share_pos: int | None = None
        self.share_words: list[str] = []
        self.neither = False  # "varken A eller B": both negated
        self.nonzero = False  # "får pengar"
        self.which = False  # "vilka …": the rows are the answer
        self.relative = False  # "… som minskar": a change that picks rows, as after "vilka"
        self.rows_added = False  # "A plus B": rows added to one another
        self.rank_words: list[str] = []  # "högst", "flest" …: the words that asked for a ranking
        self.increase = False
        self.between_rows = False
        self.zero = False  # "saknar budget"
        self.zero_negated = False  # zero said as a negation: nothing in any year named
        self.versus_cmp: str | None = None  # "X större än Y"
        self.negated_list: str | None = None  # the column of the last value excluded
        self.per_used = False  # "varje nämnd", "per ansvarig"
        self.last_year_at: int | None = None  # where "sista året" put the table's last year
        self.than_seen = False  # "än"
        self.list_asked = False
        self.averaged = False
        self.year_by_year = False
        self.spans: list[tuple] = []  # spans closed before the last one ("… respektive …")
        self.count_of: str | None = None  # "hur många nämnder": count that column's values
        self.compared_year: int | None = None  # the year after "jämfört med"
        self.rows_above = False  # "vilken avdelning och förvaltning hör X till": both kept
        self.year_asked = False  # "det år med lägst investeringar", "lägsta investeringsåret"
        self.direct = False  # "direkt under": the rows just below, never deeper
        self.having: tuple[str, int] | None = None  # a bound on a count of rows per group
        self.only_count = False  # "bara två utredningar": the count, exactly
        self.times = False  # "gånger"
        self.other = False
        self.rows_asked = False  # "vilken kontroll …": the rows, even when "vem" follows
        self.asked_column = False  # "vilka nämnder": the column is what is asked for
        self.summed = False  # "tillsammans", "totalt"
        self.approx = 0  # the rounding of a decimal amount just read ("118,5 mnkr": 50 tkr)
        self.list_too = False
        self.skip: set[int] = set()  # items already read with the one before
        self.time_phrase = False  # "under planperioden"
        self.sort_all = False  # "rangordna": every row in order, no limit
        self.change_cmp: tuple[str, int, bool] | None = None  # "ökar mer än 5 procent"

    def sense(self, item: _Item) -> Sense:
        senses = [s for s in item.senses if _admissible(s, self.tm.name)]
        level = (self.tm.levels or {}).get("column")
        if any(s.kind == "op" for s in senses):
            # 'totalt' is the sum operator before it is the name of the top level's rows
            senses = [s for s in senses if not (s.kind == "category" and s.column == level)]
        # a name found in several columns names the row itself first ('Reinvesteringar')
        typed = item.text.casefold()
        return min(
            senses,
            key=lambda s: (
                _PRIORITY[s.kind],
                str(s.value).casefold() != typed,  # 'sannolikhet' is the scale, not 'Sannolik'
                s.column != self.tm.label,
            ),
        )

    def read(self) -> Plan | Decline:
        items = self.items
        for i, item in enumerate(items):
            if i in self.skip:
                continue
            if item.text.lower() in ("en", "ett") and self.cmp and self._rows_at(i + 1):
                self.having, self.cmp = (self.cmp, 1), None  # "fler än en kontroll"
                continue
            if item.text.lower() in ("andra", "övriga") and self._rows_at(i + 1):
                self.other = True  # "hur många andra risker har samma värde som X": not X
                continue
            if item.number is not None or item.senses == [Sense("number")]:
                self.number(i, item)
                continue
            senses = [s for s in item.senses if _admissible(s, self.tm.name)]
            kinds = {s.kind for s in senses}
            if (
                self.pending in ("per", "which")
                and kinds & {"dimension", "op", "measure", "number"}
                and not kinds & {"flag", "value", "relation"}  # "vilka accepterade risker"
                # "vilket av objekten är dyrast": a ranking word ranks, it is not what is asked
                and not any(s.kind == "op" and s.column in ("rank", "second") for s in senses)
            ):
                dim = next((s for s in senses if s.kind == "dimension"), None)
                if any(s.kind == "table" for s in senses):
                    # "vilken risk …": the rows themselves; "fördelas utredningarna på …": the
                    # table named on the way to the column; "vilken kostnadspost": its category
                    for s in senses:
                        if s.kind == "category":
                            self.apply(s, item, i)
                    if self.pending == "which":
                        self.pending = None
                        self.rows_asked = True  # "vilken kontroll görs och vem ansvarar"
                    continue
                if dim is None and self.pending == "per":
                    dim = next((s for s in senses if s.kind in ("number", "measure")), None)
                yw = any(s.kind == "op" and s.column == "year_word" for s in senses)
                level_column = (self.tm.levels or {}).get("column")
                for s in senses:
                    if s.kind == "category" and s.column != level_column:
                        self.apply(s, item, i)
                if dim or yw:
                    column = dim.column if dim else self.tm.time
                    if column:
                        if self.pending == "per" or yw:
                            self.plan.group += (column,)
                        else:
                            self._asked(column)
                            self.asked_column = True  # "vilka nämnder …"
                    self.pending = None
                    continue
            parent = next(
                (s for s in senses if s.kind == "parent" and s.table == self.tm.name), None
            )
            if parent is None and senses and all(s.kind == "parent" for s in senses):
                continue  # another table's parent word: a preposition here
            if parent is not None and self._names_row(i + 1):
                if not self._asks_above(i + 1):  # "vilken förvaltning tillhör X": in finish
                    self.parent = parent.column
                continue
            nxt = self.items[i + 1] if i + 1 < len(self.items) else None
            if (
                parent is not None
                and nxt is not None
                and any(s.column == "which" for s in nxt.senses)
            ):
                self.ask_parent = parent.column  # "X ligger under vilken avdelning"
                continue
            if any(s.kind == "parent" for s in senses) and len(senses) > 1:
                item = _Item(item.text, [s for s in item.senses if s.kind != "parent"])
            elif parent is not None:
                continue  # 'i', 'under' with no row after it: a preposition
            if item.compound and not all(
                any(_admissible(s, self.tm.name) for s in part) for part in item.parts
            ):
                self.problems.append(item.text)  # 'energikostnader': half of it is unknown here
                continue
            grouping = self._grouping_compound(item)
            if grouping is not None:
                self.apply(grouping, item, i)  # 'reinvesteringsobjekten': the rows in a category
                continue
            named = [
                s for s in senses if s.kind in ("value", "partial") and s.column == self.tm.label
            ]
            if item.compound and len(named) == 1 and any(s.kind == "table" for s in senses):
                self.apply(named[0], item, i)  # 'e-arkivutredningen': that row, not all rows
                continue
            if item.compound and any(s.kind == "op" for s in senses):
                content = [s for s in senses if s.kind != "op"]
                if not content:
                    self.problems.append(item.text)  # its other part belongs to another table
                    continue
                for s in senses:  # 'medelriskvärde': the average, then the column
                    if s.kind == "op":
                        self.apply(s, item, i)
                item = _Item(item.text, content)
            chosen = self.sense(item)
            self.apply(chosen, item, i)
            ranking = next(
                (s for s in item.senses if s.kind == "op" and s.column in ("rank", "second")), None
            )
            if ranking is not None and chosen.kind == "measure":
                self.apply(ranking, item, i)  # "dyrast": the measure, and the largest of it
            time_sense = next((s for s in item.senses if s.kind == "time"), None)
            if time_sense is not None and chosen.kind != "time":
                self.apply(time_sense, item, i)  # "hela investeringsplanen": the table, its years
        return self.finish()

    def _left_out(self) -> Decline | None:
        """ "Verksamhetens kostnader utom personalkostnader", "expansionsinvesteringar utan
        Stadsskogen", "kostnaderna utom lokalhyror": the sum of the rest of what the named row
        (or kind of rows) adds up, not the named row with a filter that cannot take anything
        away from it."""
        p, tm = self.plan, self.tm
        label = tm.label or ""
        known = set(tm.parents) | {x for ps in tm.parents.values() for x in ps}
        negated = [f for f in p.filters if f.op == "in" and f.negate and str(f.values[0]) in known]
        if (
            not negated
            or self.which  # "vilka kostnader utom personal …": a list without those rows
            or self.list_asked
            or p.rank
            or p.group
            or p.aggregate not in (None, "sum")
            or any(f.op == "cmp" for f in p.filters)
        ):
            return None
        named = self.values.get(label, [])
        kinds = self._kind_filters()
        if len(named) == 1:
            whole = named[0]
            parts = [r for r, ps in tm.parents.items() if whole in ps]
        elif not named and len(kinds) == 1:
            whole = str(kinds[0].values[0])
            parts = [r for r in tm.kind_rows.get(whole, []) if r in tm.leaves]
        else:
            return None
        out = [str(f.values[0]) for f in negated]
        if not parts or any(x not in parts for x in out):
            return Decline(f"{', '.join(out)} ingår inte direkt i {whole}", tuple(out), tm.name)
        p.filters = [f for f in p.filters if f not in negated]
        self.values[label] = sorted(r for r in parts if r not in out)
        self.value_pos.setdefault(label, min(f.pos for f in negated))
        p.aggregate = "sum"
        return None

    def _value_before(self, i: int) -> tuple[str, Any] | None:
        """The value named right before item i and kept as a filter value, if any."""
        for column, vals in self.values.items():
            for v in vals:
                if i - 1 in self.value_seen.get(v, []) and column != self.tm.label:
                    return column, v
        return None

    def _every_year_soon(self, i: int) -> bool:
        """Whether "varje år", "alla år" or "hela perioden" follows within four words."""
        for it in self.items[i + 1 : i + 5]:
            if any(
                s.column in ("whole", "per", "year_word") or s.kind == "time" for s in it.senses
            ):
                return True
        return False

    def _number_soon(self, i: int) -> bool:
        """Whether a number that is no year follows within two words."""
        return any(
            (it.number is not None and not _is_year(it))
            or (it.number is None and it.senses == [Sense("number")])  # "5,5 mnkr"
            for it in self.items[i + 1 : i + 3]
        )

    def _dimension_next(self, i: int) -> bool:
        nxt = self.items[i + 1] if i + 1 < len(self.items) else None
        return nxt is not None and any(
            s.kind == "dimension" and s.table == self.tm.name for s in nxt.senses
        )

    def _value_next(self, i: int, column: str | None = None) -> bool:
        """Whether the item after i names a value of this table (of `column`, or of any)."""
        nxt = self.items[i + 1] if i + 1 < len(self.items) else None
        return nxt is not None and any(
            s.kind == "value" and column in (None, s.column) and s.table == self.tm.name
            for s in nxt.senses
        )

    def _amount_next(self, i: int) -> int | None:
        """Where the word after a negation names the amount ("saknar budget", "inga pengar";
        "inte får några pengar": filler words between, then only the measure itself)."""
        if not self.tm.measure:
            return None
        for j in range(i + 1, min(i + 4, len(self.items))):
            senses = self.items[j].senses
            kinds = ("measure", "table") if j == i + 1 else ("measure",)
            if any(s.table == self.tm.name and s.kind in kinds for s in senses):
                return j
            if not all(s.kind == "filler" for s in senses):
                return None
        return None

    def _dated_flags(self, years: list[int]) -> list[int]:
        """ "I förra årets internkontrollplan": a relation word with a year the table is not
        about is the flag the data declares for that year ("internkontrollplan 2024"); the
        years left over."""
        p, tm = self.plan, self.tm
        left = list(years)
        left = self._relation_years(left)
        for y in years:
            for f in [f for f in p.filters if f.op in ("exists", "flag")]:
                said = self.items[f.pos].text.lower() if f.pos < len(self.items) else ""
                for column, words in tm.flags.items():
                    if said and any(
                        w.lower().startswith(said) and w.endswith(str(y)) for w in words
                    ):
                        p.filters[p.filters.index(f)] = Filter(
                            column, "flag", negate=f.negate, pos=f.pos
                        )
                        if y in left:
                            left.remove(y)
                        break
        return left

    def _relation_years(self, years: list[int]) -> list[int]:
        """The years left when those a named relation is about are taken out ("saknar kontroll
        i 2025 års plan": the relation's own year, declared among its words)."""
        own = {
            y
            for y in years
            for f in self.plan.filters
            if f.op == "exists" and f.extra
            for w in f.extra.get("words") or ()
            if str(w).endswith(str(y))
        }
        return [y for y in years if y not in own]

    def _holds_above(self, kind: Filter) -> bool:
        """Whether a kind of row ("förvaltning") holds a row above a row the question names."""
        above = {a for v in self.values.get(self.tm.label or "", []) for a in self._ancestors(v)}
        return any(m in above for v in kind.values for m in self.tm.kind_rows.get(str(v), []))

    def _both_above(self, a: Filter, b: Filter) -> bool:
        """Whether two kinds of row each hold a row above the row the question names."""
        kinds = (self.tm.kinds or {}).get("column")
        return a.column == kinds and self._holds_above(a) and self._holds_above(b)

    def _kind_above(self) -> bool:
        """Whether a kind of row is named that a named row has above it ("under vilken
        förvaltning hamnar upphandlingsenheten": that ancestor, not the row just above)."""
        return any(self._holds_above(k) for k in self._kind_filters())

    def _kind_filters(self) -> list[Filter]:
        """The kinds of rows the question names ("enheter", "kostnader"), as filters."""
        column = (self.tm.kinds or {}).get("column")
        return [
            f
            for f in self.plan.filters
            if f.op == "in" and f.default and not f.negate and f.column == column
        ]

    def _asks_above(self, i: int) -> bool:
        """Whether "vilken <kind> … <parent word> X" asks for the row of that kind X belongs to
        ("vilken förvaltning tillhör upphandlingsenheten"), not the rows under X ("vilka
        enheter ligger under kansli- och HR-avdelningen")."""
        kinds = [str(v) for f in self._kind_filters() for v in f.values]
        if not (self.which and kinds):
            return False
        rows = {
            str(s.value)
            for s in self.items[i].senses
            if s.kind == "value" and s.column == self.tm.label
        }
        members = {m for k in kinds for m in self.tm.kind_rows.get(k, [])}
        return any(a in members for r in rows for a in self._ancestors(r))

    def _below(self) -> None:
        """ "Enheter på kommunledningskontoret", "enheter som inte ligger under kansli- och
        HR-avdelningen": rows of a kind under a row at any depth (the parent column alone only
        holds the row just above)."""
        p, tm = self.plan, self.tm
        kinds = self._kind_filters()
        under = [f for f in p.filters if f.op == "in" and f.column == tm.parent and tm.parent]
        if len(kinds) != 1 or not under:
            return
        members = [m for k in kinds[0].values for m in tm.kind_rows.get(str(k), [])]
        keep = list(members)
        for f in under:
            inside = {
                m
                for m in members
                if any(v in self._ancestors(m)[: 1 if self.direct else None] for v in f.values)
            }
            keep = [m for m in keep if (m in inside) != f.negate]
            p.filters.remove(f)
        p.filters.append(Filter(tm.label or "", "in", tuple(sorted(keep)), pos=kinds[0].pos))

    def _per_parent(self, a: Filter, b: Filter) -> bool:
        """ "Vilken avdelning har flest enheter", "antal enheter per avdelning på KLK": two kinds
        of rows, one counted (named right after the count or ranking word) under each row of
        the other; True when the plan now says so."""
        p, tm = self.plan, self.tm
        column = (tm.kinds or {}).get("column")
        counting = p.rank or p.aggregate == "count" or self.having
        if a.column != column or not tm.parent or not counting:
            return False

        def counted(f: Filter) -> bool:
            prev = self.items[f.pos - 1] if 0 < f.pos <= len(self.items) else None
            return prev is not None and (
                prev.number is not None
                or any(
                    s.kind == "op"
                    and (s.column in ("rank", "only") or (s.column, s.value) == ("agg", "count"))
                    for s in prev.senses
                )
            )

        inner = [f for f in (a, b) if counted(f)]
        if len(inner) != 1:
            return False
        outer = b if inner[0] is a else a
        groups = list(tm.kind_rows.get(str(outer.values[0]), []))
        above = [f for f in p.filters if f.op == "in" and f.column == tm.parent and not f.negate]
        named = [
            *self.values.pop(tm.label or "", []),
            *self.values.pop(tm.parent, []),  # "under kommunledningskontoret"
            *(v for f in above for v in f.values),
        ]
        if self.summed and named:
            # "hur många enheter finns sammanlagt under KLK:s avdelningar": all of them, once
            p.filters = [f for f in p.filters if f is not outer and f not in above]
            p.filters.append(Filter(tm.parent, "in", tuple(dict.fromkeys(named)), pos=outer.pos))
            return True
        if named:  # "på kommunledningskontoret": the groups inside it
            groups = [g for g in groups if any(n in self._ancestors(g) for n in named)]
        if not groups:
            return False
        p.filters = [f for f in p.filters if f is not outer and f not in above]
        p.filters.append(Filter(tm.parent, "in", tuple(groups), pos=outer.pos))
        p.aggregate, p.group, p.answer = "count", (tm.parent,), None
        return True

    def _inside_level(self) -> None:
        """ "Vilka objekt ingår i expansionsinvesteringarna", "objekt under reinvesteringar":
        a row that sums others, with a level named, stands for the rows inside it."""
        p, tm = self.plan, self.tm
        column = (tm.levels or {}).get("column")
        if p.aggregate == "share" or not any(
            f.column == column and f.op == "in" and not f.negate for f in p.filters
        ):
            return
        for f in p.filters:
            if f.op != "in" or f.column != tm.label or f.negate:
                continue
            inside = {v: [r for r in tm.parents if v in self._ancestors(r)] for v in f.values}
            if all(inside.values()):
                f.values = tuple(dict.fromkeys(r for rows in inside.values() for r in rows))

    def _ancestors(self, row: str) -> list[str]:
        """The rows a row belongs to, nearest first."""
        out: list[str] = []
        todo = list(self.tm.parents.get(row, ()))
        while todo and len(out) < 50:
            up = todo.pop(0)
            if up not in out and up != row:
                out.append(up)
                todo.extend(self.tm.parents.get(up, ()))
        return out

    def _covered_by(self, vals: list) -> Any:
        """The value named right after "täcks av" / "finansieras av", if one of `vals`."""
        for i, it in enumerate(self.items[:-1]):
            if it.text.lower().startswith(("täcks", "finansieras")):
                for v in vals:
                    if any(i < pos <= i + 3 for pos in self.value_seen.get(v, [])):
                        return v
        return None

    def _year_after_than(self) -> bool:
        for i, it in enumerate(self.items[:-1]):
            if any(s.column == "than" for s in it.senses) and _is_year(self.items[i + 1]):
                return True
        return False

    def _listed(self, column: str, at: int) -> bool:
        """Whether the value at `at` is listed with another value of the column ('avdelning
        eller enhet'): only 'och', 'eller' (and filler) between them."""
        for other, it in enumerate(self.items):
            if other == at or not any(s.column == column for s in it.senses):
                continue
            between = self.items[min(at, other) + 1 : max(at, other)]
            if any(any(s.column == "and" for s in b.senses) for b in between) and all(
                any(s.column == "and" or s.kind == "filler" for s in b.senses) for b in between
            ):
                return True
        return False

    def _grouping_compound(self, item: _Item) -> Sense | None:
        """'reinvesteringsobjekten': a category's name joined to a word for the rows is the
        rows in that category, not the category's own sum row."""
        if not (item.compound and len(item.parts) == 2):
            return None
        left, right = item.parts
        if not any(s.kind in ("table", "dimension") and s.table == self.tm.name for s in right):
            return None
        return next(
            (
                s
                for s in left
                if s.kind == "value" and s.table == self.tm.name and s.column != self.tm.label
            ),
            None,
        )

    def _names_row(self, i: int) -> bool:
        if i >= len(self.items):
            return False
        return any(
            s.kind in ("value", "partial")
            and s.table == self.tm.name
            and s.column in (self.tm.label, self.tm.parent)  # a root is a value of the parent
            for s in self.items[i].senses
        )

    def apply(self, s: Sense, item: _Item, i: int) -> None:
        p = self.plan
        if s.kind in ("value", "partial"):
            column = s.column or ""
            if self.parent and column == self.tm.label:
                column, self.parent = self.parent, None  # "enheterna under KLK"
            if self.cmp and column == self.tm.label and s.value in self.values.get(column, []):
                return  # "konsulter och andra köpta tjänster": the same row named twice
            if self.cmp and column == self.tm.label and self.values.get(column):
                # "är köp av tjänster större än övriga kostnader", "hur mycket mer får X än Y":
                # both rows and the difference, not a filter that may leave nothing
                self.values[column].append(s.value)
                self.value_at.setdefault(s.value, i)
                p.aggregate, self.versus_cmp, self.cmp = "versus", self.cmp, None
                return
            if self.cmp and column == self.tm.label and self._number_soon(i):
                pass  # "överstiger övriga exploateringsområden 60 mnkr": the row, then the bound
            elif self.cmp and column == self.tm.label and not (self.numeric or p.measure):
                self.problems.append(item.text)  # nothing to compare the rows by
                self.cmp = None
                return
            if self.cmp and column == self.tm.label and not self._number_soon(i):
                p.filters.append(
                    Filter(self.numeric or p.measure or "", "row", (s.value,), cmp=self.cmp, pos=i)
                )
                self.cmp = None
                return
            if self.negate:
                if column == self.tm.label and self._contains(s.value):
                    other = next(
                        (
                            o.column
                            for o in item.senses
                            if o.kind == "value"
                            and o.value == s.value
                            and o.table == self.tm.name
                            and o.column != column
                        ),
                        None,
                    )
                    column = other or column  # "som inte är expansionsinvesteringar": the category
                p.filters.append(Filter(column, "in", (s.value,), negate=True, pos=i))
                self.negate = False
                self.negated_list = s.column  # "utom personal och lokalhyror": both
            else:
                self.value_pos.setdefault(column, i)
                self.value_at.setdefault(s.value, i)
                self.value_seen.setdefault(s.value, []).append(i)
                self.values.setdefault(column, [])
                if s.value not in self.values[column]:
                    self.values[column].append(s.value)
        elif s.kind == "flag":
            p.filters.append(Filter(s.column or "", "flag", negate=self.negate, pos=i))
            self.negate = False
        elif s.kind == "relation":
            rel = self.tm.relations[int(s.value)]
            if not self.negate and any(f.op == "exists" and f.extra is rel for f in p.filters):
                return  # the same relation named again: 'utan kontroll i internkontrollplanen'

            p.filters.append(Filter(s.column or "", "exists", negate=self.negate, extra=rel, pos=i))
            self.negate = False
        elif s.kind == "category":
            p.filters.append(
                Filter(s.column or "", "in", (s.value,), negate=self.negate, pos=i, default=True)
            )
            self.negate = False
        elif s.kind == "level":
            p.filters.append(
                Filter(
                    s.column or "",
                    "cmp",
                    (s.value,),
                    cmp=self.cmp or "=",
                    negate=self.negate,
                    pos=i,
                )
            )
            self.cmp, self.negate = None, False
        elif s.kind in ("measure", "number"):
            self.numeric = s.column
            if s.kind == "measure":
                p.measure = s.column
        elif s.kind == "dimension":
            if self.pending == "which":
                p.answer = s.column
                self.asked_column = True
                self.pending = None
            elif s.column:
                self.dims_named.append(s.column)
                if s.column not in p.show:
                    p.show += (s.column,)  # "riskvärde välfärdsbrottslighet": show what is named
        elif s.kind == "table":
            if self.pending == "which":
                self.pending = None  # "vilka kontrollmoment …": the rows themselves
                self.rows_asked = True
        elif s.kind == "time":
            spec = self.model.time_phrases[int(s.value)]
            self.time_phrase = True
            self.span = [self._year_ref(spec.get("from")), self._year_ref(spec.get("to"))]
        elif s.kind == "op":
            self.op(str(s.column), s.value, item, i)

    def op(self, kind: str, arg: Any, item: _Item, i: int) -> None:
        p = self.plan
        if kind == "rank":
            nxt = self.items[i + 1] if i + 1 < len(self.items) else None
            if (
                nxt is not None
                and nxt.number is not None
                and not _is_year(nxt)
                and not (i > 0 and any(s.column == "rank" for s in self.items[i - 1].senses))
                and item.text not in ("topp", "top")
            ):
                self.cmp = ">=" if arg == "asc" else "<="  # "minst 6" is a bound, not a rank
                return
            if item.text in ("mer", "högre", "större", "fler", "lägre", "mindre", "färre"):
                self.cmp = ">" if arg == "desc" else "<"
                return
            p.rank = "both" if p.rank and p.rank != arg else str(arg)
            self.rank_words.append(item.text)
        elif kind == "than":
            self.than_seen = True
            before = {it.text.lower() for it in self.items[max(0, i - 3) : i]}
            if not self.cmp and before & {"andra", "annan", "annat", "övriga"}:
                self.negate = True  # "andra nämnder än KS": every one but KS
        elif kind == "order":
            p.rank, self.sort_all = str(arg), True
        elif kind == "ordinal":
            held = len(self.model.values.get((self.tm.name, self.tm.label or ""), ()))
            if self.tm.order and held and int(arg) > held:
                self.problems.append(item.text)  # "den fjärde inriktningen" of three
            elif self.tm.order:  # "den andra inriktningen": the row in that place
                p.filters.append(Filter(self.tm.order, "cmp", (int(arg),), pos=i))
            else:
                self.problems.append(item.text)
        elif kind == "yearly":
            if self.tm.time:
                p.aggregate = "change"
                if self.tm.time not in p.group:
                    p.group += (self.tm.time,)
            else:
                self.problems.append(item.text)
        elif kind == "times":
            self.times = True  # "hur många gånger större är X än Y"
            if "större" in item.text or "mer" in item.text:
                self.cmp = ">"
        elif kind == "list":
            self.list_asked = True  # "lista expl kostnadsposter utom lokalhyror": rows, not a sum
        elif kind == "other":
            self.other = True  # "vilken annan risk har samma riskvärde som X": not X itself
        elif kind == "count_years":
            if self.tm.time:  # "hur många år ligger X på 5 miljoner": the years, counted
                p.aggregate, p.count_years = "count", True
            else:
                self.problems.append(item.text)
        elif kind == "zero":
            self.zero = True
            self.zero_negated = not item.text.startswith("noll")  # "ingenting"; not "noll kr"
        elif kind == "nonzero" and self.negate:
            self.zero, self.negate = True, False  # "som inte får några pengar": zero
            self.zero_negated = True
        elif kind == "nonzero":
            self.nonzero = True
        elif kind == "neither":
            self.neither = self.negate = True
        elif kind == "and" and item.text.startswith("resp") and self._dimension_next(i):
            self.pending = "per"  # "har respektive ansvarig": one row per
        elif kind == "and" and item.text in ("plus", "ihop med", "tillsammans med"):
            self.summed = True  # "köp av tjänster plus övriga kostnader": their sum
            self.rows_added = True
        elif kind == "and" and self.neither:
            self.negate = True  # "… eller B" after "varken A": not B either
        elif kind == "and" and self.negated_list and self._value_next(i, self.negated_list):
            self.negate = True  # "utom personal och lokalhyror": the list goes on
        elif kind == "not" and (amount_at := self._amount_next(i)) is not None:
            self.zero = self.zero_negated = True  # "saknar budget", "har inga pengar": zero
            self.skip.update(range(i + 1, amount_at + 1))
        elif kind == "not" and self._value_before(i) is not None and not self._negatable(i + 1):
            column, value = self._value_before(i)  # type: ignore[misc]
            # "vilka kontroller ansvarar ekonomichefen inte för": not that value
            self.values[column].remove(value)
            if not self.values[column]:
                del self.values[column]
            p.filters.append(Filter(column, "in", (value,), negate=True, pos=i - 1))
        elif kind == "not":
            last = p.filters[-1] if p.filters else None
            if (
                last is not None
                and last.pos == i - 1
                and last.op in ("flag", "exists")
                and not (self._negatable(i + 1))
            ):
                last.negate = not last.negate  # "accepteras inte": the word before
            else:
                self.negate = True
        elif kind == "agg" and arg == "count" and self._money_after(i):
            self.how_much = True  # "lokalanpassningar 2028, hur många tkr": an amount
        elif kind == "agg" and arg == "count" and self._dimension_counted(i) is not None:
            # "hur många nämnder har lämnat förslag": the different values, not the rows
            self.count_of = self._dimension_counted(i)
            self.skip.add(i + 1)
            p.aggregate = "count"
        elif kind == "agg":
            self.summed = self.summed or arg == "sum"
            self.averaged = self.averaged or arg == "avg"
            if arg == "count" and self.rows_listed():
                self.list_too = True  # "vilka risker …? räkna dem": the rows, and how many
            if arg == "count" or p.aggregate in (None, "sum"):
                p.aggregate = str(arg) if p.aggregate not in ("share", "change") else p.aggregate
        elif kind == "share":
            if self.change_cmp is not None or (
                p.aggregate == "change" and i > 0 and self.items[i - 1].number is not None
            ):
                return  # "ökar mer än 5 procent": the unit of a change, not a share
            self.share_pos = i
            self.share_words.append(item.text)
            if p.aggregate != "change":
                p.aggregate = "share"
        elif kind == "change":
            p.aggregate = "change"
            if re.match(r"^(minsk|sänk|lägr|mindr|sjunk|sjönk|tapp|går ne)", item.text):
                self.decrease = True
            elif re.match(r"^(ök|stig|steg|väx|höj|går upp)", item.text):
                self.increase = True
            if (self.increase or self.decrease) and i > 0 and self.items[i - 1].text == "som":
                self.relative = True  # "objekten som minskar": the rows that do, as "vilka"
        elif (
            kind in ("from", "to", "to_sum", "after")
            and not self._year_next(i)
            and not (kind in ("to", "from") and self._year_word_next(i))
        ):
            return  # "anslaget från kommunen till KS": a preposition, not a span
        elif (
            kind == "to"
            and any(it.text in _AMOUNT_VERBS for it in self.items[:i])
            and not any(_is_year(it) for it in self.items[:i])  # "2024 till 2029" stays a span
        ):
            return  # "vad uppgår investeringarna till nästa år": the verb's 'till'
        elif kind in ("to_sum", "after"):
            self.cumulative = self.cumulative or kind == "to_sum"  # "fram till 2029": a total
            self.pending = "to" if kind == "to_sum" else "after"
        elif kind == "between" and not self._year_next(i) and not self._number_soon(i):
            self.between_rows = True  # "skillnaden mellan Bälinge och Stadsskogen 2026"
        elif kind in ("per", "which", "between", "from", "to", "first", "when"):
            self.pending = kind
            self.which = self.which or kind in ("which", "when")  # "vilka år minskar …"
            self.per_used = self.per_used or kind == "per"
            if kind == "which" and p.aggregate == "count":
                self.list_too = True  # "hur många …, och vilka är det": the rows show both
            if kind == "when":
                p.when = True
            if kind == "first":
                p.aggregate = "first"
        elif kind == "cmp":
            if item.text in ("under", "över") and not self._compares(i):
                return  # "under planperioden", "över alla år": a preposition, no comparison
            if item.text == "under" and self._parent_next(i):
                return  # "objekten under reinvesteringar": the rows inside it, no comparison
            self.cmp = str(arg)
        elif kind == "cmp_after":
            for f in reversed(p.filters):
                if f.op == "cmp" and f.cmp == "=":
                    f.cmp = str(arg)
                    break
        elif kind == "year_rel":
            nxt = self.items[i + 1] if i + 1 < len(self.items) else None
            if (
                arg == "last"
                and nxt is not None
                and any(s.column in ("than_row", "when") for s in nxt.senses)
            ):
                p.aggregate, p.latest = "first", True  # "sista året som X får pengar"
            elif arg == "last" and self.tm.years:  # "sista året": the table's last year
                self.years.append(self.tm.years[-1])
                self.last_year_at = len(self.years) - 1
            elif self.model.budget_year is not None and arg != "last":
                year = self.model.budget_year + int(arg)
                if self.pending == "to":  # "från 2025 till nästa år"
                    self.span[1], self.pending = year, None
                    if self.span[0] is None and self.years:
                        self.span[0] = self.years.pop()
                elif self.pending == "from":  # "från och med nästa år"
                    self.span[0], self.pending = year, None
                else:
                    self.years.append(year)
        elif kind == "same":
            if self._compares(i):
                self.cmp = "="
            elif self.tm.time and self._every_year_soon(i):
                p.constant = True  # "samma belopp varje år": rows whose amount never changes
            else:
                self.problems.append(item.text)
        elif kind == "whole":
            self.cumulative = True
        elif kind == "only":
            nxt = self.items[i + 1] if i + 1 < len(self.items) else None
            one = " " in item.text or item.text == "enda"
            if one and self._rows_at(i + 1):
                self.having = ("=", 1)  # "nämnder med bara en enda utredning"
            elif nxt is not None and nxt.number is not None and self._rows_at(i + 2):
                self.only_count = True  # "bara två utredningar": the number says how many
            elif one or (nxt is not None and nxt.number):
                self.problems.append(item.text)  # "bara en utredning": a count we cannot filter
        elif kind == "who_is":
            nxt = self.items[i + 1] if i + 1 < len(self.items) else None
            asked = [
                x.column
                for x in (nxt.senses if nxt is not None else [])
                if x.kind == "dimension" and x.table == self.tm.name and x.column
            ]
            if self.tm.who in asked:
                self._asked(str(self.tm.who))  # "vem är ansvarig för …"
            elif asked and item.text == "vem är" and asked[0] == self.tm.parent:
                self._asked(asked[0])  # "vem är överordnad exploateringsenheten"
            elif nxt is not None and any(x.kind == "table" for x in nxt.senses):
                self.pending = "which"  # "vilka är riskerna …"
            elif (
                item.text in ("vad heter", "vad kallas")
                and nxt is not None
                and any(x.kind == "number" and x.column in self.tm.scales for x in nxt.senses)
                and not any(it.number is not None for it in self.items[i + 1 :])
            ):
                # "vad heter sannolikhetsnivån för välfärdsbrottslighet": the level's word
                p.scale_names = True
            elif (
                item.text in ("vad heter", "vad kallas")
                and self.tm.label
                and not self.tm.who  # where rows name roles, "vad heter X" asks a person's name
                and any(it.number is not None for it in self.items[i + 1 :])  # "… nivå 2"
                and nxt is not None
                and any(x.table == self.tm.name and x.kind != "filler" for x in nxt.senses)
            ):
                p.answer = self.tm.label  # "vad heter sannolikhetsnivå 2": its name
            else:
                self.problems.append(item.text)  # "vem är kommundirektör": a person's name
        elif kind == "who":
            if self.tm.who:
                self._asked(self.tm.who)
            else:
                self.pending = "which"
        elif kind == "compare":
            p.aggregate = p.aggregate or "compare"
        elif kind == "but":
            self.pending = "but"
        elif kind == "second":
            p.rank, p.nth = str(arg), 2  # "näst störst": the second, not the first
        elif kind == "year_word" and item.text == "år för år":
            self.year_by_year = True  # "förändringen år för år": each year against the one before
        elif (
            kind == "year_word"
            and self.tm.time
            and (self.pending == "per" or item.text.startswith(("per", "årsvis", "årligen")))
        ):
            if self.tm.time not in p.group:
                p.group += (self.tm.time,)
            self.pending = None
        elif kind == "year_word" and item.text.endswith(("år", "året")) and not self._dated(i):
            self.year_asked = True
        elif kind == "howmuch":
            self.how_much = True
        elif kind == "direct":
            self.direct = True
        elif kind == "minus":
            self.between_rows = True  # "intäkter minus kostnader": the two side by side
            p.aggregate = p.aggregate or "change"
        elif kind == "in_words":
            if self.tm.scales:
                p.scale_names = True  # "väsentlighet … i ord": the level's word
            else:
                self.problems.append(item.text)

    def number(self, i: int, item: _Item) -> None:
        n = item.number
        nxt = self.items[i + 1] if i + 1 < len(self.items) else None
        unit = nxt is not None and any(s.column == "unit" for s in nxt.senses)
        scaled = n is None and unit and bool(self.tm.unit)  # "2,0 mnkr" is 2000 tkr, no year
        if n is None and unit and self.tm.unit:
            # "118,5 mnkr": a decimal amount in a larger unit
            scale = {"tkr": 1000, "kr": 1_000_000}.get(self.tm.unit, 1)
            n = round(float(item.text.replace(",", ".")) * scale)
            decimals = len(item.text.replace(",", ".").split(".")[1])
            self.approx = round(scale / 10**decimals / 2)  # "118,5 mnkr": ± 50 tkr
            item = _Item(str(n), item.senses, n)
            unit = False
        if n is None:
            self.problems.append(item.text)
            return
        prev = self.items[i - 1] if i else None
        prev_op = next((s for s in prev.senses if s.kind == "op"), None) if prev else None
        if _is_year(item) and not scaled and prev_op is not None and prev_op.column == "compare":
            self.compared_year = n  # "jämfört med 2024": the year compared with
        if _is_year(item) and not scaled:
            if self.pending == "but" or (self.negate and self.pending is None):
                self.excluded_years.append(n)
                self.negate = False
            elif self.pending == "to":
                self.span[1] = n
                if self.span[0] is None and self.years:
                    self.span[0] = self.years.pop()  # "2026 till 2027"
            elif self.pending in ("from", "between"):
                if self.span[1] is not None:
                    # "från 2025 till 2026, respektive från 2026 till 2027": another span
                    self.spans.append(tuple(self.span))
                    self.span = [None, None]
                self.span[0] = n
            elif self.pending == "after":
                self.span[0], self.pending = n + 1, None  # "efter 2027": 2028 on
            else:
                self.years.append(n)
            if self.pending in ("from", "between"):
                self.pending = "to"
            elif self.pending in ("to", "but"):
                self.pending = None
            return
        if (self.cmp or self.only_count) and self._rows_at(i + 1) and n <= 1000:
            # "vilka nämnder har mer än två utredningar": a bound on how many rows per group
            self.having, self.cmp, self.only_count = (self.cmp or "=", n), None, False
            return
        nxt_rank = (
            nxt is not None
            and any(s.kind == "op" and s.column == "rank" for s in nxt.senses)
            # "väsentlighet 4 (allvarlig)": a level's word, not "de 4 allvarligaste"
            and not any(s.kind in ("level", "value") for s in nxt.senses)
        )
        nxt_rows = nxt is not None and any(
            s.kind in ("table", "dimension") and s.table == self.tm.name for s in nxt.senses
        )
        filler_next = nxt is not None and all(s.kind == "filler" for s in nxt.senses)
        ranked_later = any(
            s.kind == "op" and s.column in ("rank", "order")
            for it in self.items[i + 1 :]
            for s in it.senses
        )
        after_value = prev is not None and any(
            s.kind in ("value", "number", "measure") and s.table == self.tm.name
            for s in prev.senses
        )  # "sannolikhet 2 betyder": the level, not two rows
        if (
            (prev_op and prev_op.column == "rank" and self.cmp is None)
            or nxt_rank
            or (nxt_rows and self.cmp is None and n <= 100 and not self.numeric and not after_value)
            # "vilka tre saker kostar mest": a count of rows before a ranking
            or (filler_next and ranked_later and self.cmp is None and n <= 20)
        ):
            self.limit = n
            return
        if nxt is not None and any(s.column == "year_word" for s in nxt.senses):
            # "över alla fyra åren": how many years, the whole table's when it holds that many
            if n == len(self.tm.years):
                self.cumulative = True
            else:
                self.problems.append(f"{item.text} {nxt.text}")
            return
        if unit and self.tm.unit:
            n *= {"tkr": 1000, "kr": 1_000_000}.get(self.tm.unit, 1)
        money = nxt is not None and nxt.text.lower() in ("tkr", "kr", "kronor", "tusen", "mnkr")
        if (
            self.cmp is None
            and not (unit or money)
            and self.tm.unit
            and (self.numeric or self._next_numeric(i) or self.plan.measure) == self.tm.measure
        ):
            # "kommunbidrag 26": an amount of 26 tkr is no question anyone asks; a year, perhaps
            self.problems.append(item.text)
            return
        if self.plan.aggregate == "change" and self.cmp is not None:
            # "ökar mer än 5 procent", "minskar med mer än 1 000 tkr": a bound on the change
            percent = nxt is not None and any(s.column == "share" for s in nxt.senses)
            self.change_cmp = (self.cmp, n, percent)
            self.cmp, self.negate = None, False
            return
        column = self.numeric or self._next_numeric(i) or self.plan.measure
        if column is None:
            self.problems.append(item.text)
            return
        if self.pending == "between":  # "riskvärde mellan 6 och 9": both ends included
            self.cmp, self.pending = ">=", "between_to"
        elif self.pending == "between_to":
            self.cmp, self.pending = "<=", None
        if (self.cmp or "=") == "=" and self.approx:
            # "stämmer det att KS får 118,5 mnkr": any amount that rounds to it
            self.plan.filters.append(
                Filter(column, "cmp", (n, self.approx), cmp="≈", negate=self.negate, pos=i)
            )
        else:
            self.plan.filters.append(
                Filter(column, "cmp", (n,), cmp=self.cmp or "=", negate=self.negate, pos=i)
            )
        self.approx = 0
        self.cmp, self.negate = None, False

    def _asked(self, column: str) -> None:
        """The column a question asks for; one asked before it is shown too ("vilken nämnd
        föreslog X, och vem samordnar den": both)."""
        p = self.plan
        if p.answer and p.answer != column and p.answer not in p.show:
            p.show += (p.answer,)
        p.answer = column

    def _dimension_counted(self, i: int) -> str | None:
        """The column whose different values a count counts ("hur många nämnder"): a
        dimension of the table right after the count word, not its rows' own word."""
        if i + 1 >= len(self.items):
            return None
        senses = [s for s in self.items[i + 1].senses if s.table == self.tm.name]
        other = ("table", "category", "value", "partial", "flag", "relation", "level", "number")
        if any(s.kind in other for s in senses):
            return None  # "antal accepterade risker": a flag on the rows, not values to count
        dims = [s.column for s in senses if s.kind == "dimension" and s.column != self.tm.label]
        return dims[0] if len(dims) == 1 and dims[0] not in self.tm.separators else None

    def _money_after(self, i: int) -> bool:
        """Whether a unit of money follows ("hur många tkr", "hur många miljoner")."""
        units = {"tkr", "kr", "kronor", "mnkr", "mkr", "miljoner", "miljon", "tusen"}
        return any(it.text.lower() in units for it in self.items[i + 1 : i + 3])

    def _negatable(self, i: int) -> bool:
        """Whether the negation before item i has something after it to negate ("saknar en
        kontroll": past filler words)."""
        while (
            i < len(self.items) - 1
            and self.items[i].senses
            and all(s.kind == "filler" for s in self.items[i].senses)
        ):
            i += 1
        if i >= len(self.items):
            return False
        return any(
            s.kind in ("flag", "relation", "value", "partial", "category", "level")
            and s.table in (None, self.tm.name)
            for s in self.items[i].senses
        )

    def _contains(self, value: Any) -> bool:
        """Whether other rows sum into this one (a category, a total)."""
        return any(value in parents for parents in self.tm.parents.values())

    def _ranks_a_number(self) -> bool:
        """Whether the ranking words ask for a number ("högst", "störst"), not a count of rows
        ("flest", "mest")."""
        return bool(self.rank_words) and not set(self.rank_words) & _COUNT_RANKS

    def _no_number(self) -> Decline:
        return Decline(f"'{self.rank_words[0]}' – men efter vilket tal?", (), self.tm.name)

    def rows_listed(self) -> bool:
        """Whether the question asked for rows before counting them ("vilka risker …, och hur
        många är de", "… lista dem och räkna dem")."""
        return self.which and self.pending is None and not self.plan.answer

    def _rows_at(self, i: int) -> bool:
        """Whether the item at i names the table's own rows ("utredningar"), the thing a
        bound on a count counts."""
        return i < len(self.items) and any(
            s.kind == "table" and s.table == self.tm.name for s in self.items[i].senses
        )

    def _dated(self, i: int) -> bool:
        """Whether the year word at i stands beside a number ("år 2026", "2 år")."""
        near = self.items[max(0, i - 1) : i] + self.items[i + 1 : i + 2]
        return any(it.number is not None or _is_year(it) for it in near)

    def _year_word_next(self, i: int) -> bool:
        nxt = self.items[i + 1] if i + 1 < len(self.items) else None
        return nxt is not None and any(s.column == "year_rel" for s in nxt.senses)

    def _year_next(self, i: int) -> bool:
        """Whether a year comes next ("till plan 2027": past filler words)."""
        for nxt in self.items[i + 1 : i + 3]:
            if _is_year(nxt):
                return True
            if not all(s.kind == "filler" for s in nxt.senses):
                return False
        return False

    def _compares(self, i: int) -> bool:
        """Whether something to compare with follows: a number or a named row or level."""
        for k, it in enumerate(self.items[i + 1 : i + 4], i + 1):
            if any(s.kind == "time" for s in it.senses):
                return False  # "under planperioden"
            decimal = it.number is None and it.senses == [Sense("number")]  # "5,5 mnkr"
            if (it.number is not None and not _is_year(it)) or decimal:
                after = self.items[k + 1] if k + 1 < len(self.items) else None
                if after is not None and any(s.column == "year_word" for s in after.senses):
                    return False  # "över alla fyra åren"
                return True
            if any(s.kind in ("value", "partial", "level") for s in it.senses):
                return True
        return False

    def _parent_next(self, i: int) -> bool:
        """Whether the next item names a row that other rows sum into (a category, a total)."""
        nxt = self.items[i + 1] if i + 1 < len(self.items) else None
        return nxt is not None and any(
            s.kind == "value" and s.column == self.tm.label and self._contains(s.value)
            for s in nxt.senses
        )

    def _next_numeric(self, i: int) -> str | None:
        for it in self.items[i + 1 : i + 3]:
            for s in it.senses:
                if s.kind in ("measure", "number") and s.table == self.tm.name:
                    return s.column
        return None

    def _year_ref(self, ref: Any) -> int | None:
        years = self.tm.years or (None,)
        text = str(ref or "")
        m = re.match(r"^(budget_year|first|last)\s*([+-]\s*\d+)?$", text)
        if not m:
            return None
        base = {"budget_year": self.model.budget_year, "first": years[0], "last": years[-1]}[
            m.group(1)
        ]
        if base is None:
            return None
        return base + int((m.group(2) or "0").replace(" ", ""))

    def finish(self) -> Plan | Decline:
        p, tm = self.plan, self.tm
        if self.problems:
            return Decline("talen passar inte i frågan", tuple(self.problems), tm.name)
        if self.last_year_at is not None and self.nonzero:
            # "sista året Stadsskogen har pengar": the last year with an amount, not the
            # table's last year
            del self.years[self.last_year_at]
            p.aggregate, p.latest, self.nonzero = "first", True, False
        if self.spans and p.aggregate == "change" and None not in self.span:
            # several spans of a change: each year against the year before, over all of them
            ends = [y for sp in [*self.spans, tuple(self.span)] for y in sp if y is not None]
            self.span, self.spans = [min(ends), max(ends)], []
            self.year_by_year = True
        if self.year_by_year and p.aggregate == "change" and tm.time and tm.time not in p.group:
            p.group += (tm.time,)  # "hur förändras X år för år": each year against the one before
        # years
        years = list(dict.fromkeys(self.years))
        lo, hi = self.span
        if lo is not None or hi is not None:
            if tm.years:
                lo = lo if lo is not None else (self.model.budget_year or tm.years[0])
                hi = hi if hi is not None else tm.years[-1]
            if lo is not None and hi is not None:
                if lo > hi:
                    return Decline(f"spannet {lo}–{hi} går baklänges", (), tm.name)
                outside = [y for y in years if not lo <= y <= hi]
                if outside and p.aggregate in ("sum", "avg", "share"):
                    # "är nivån 2029 lika med snittet för 2024–2025": two periods, one total
                    return Decline(
                        "två olika tidsperioder i en och samma summa",
                        tuple(str(y) for y in outside),
                        tm.name,
                    )
                if p.aggregate == "change" and not years and tm.time not in p.group:
                    years = [lo, hi]
                else:
                    years = list(range(lo, hi + 1)) + years
        if self.negate:
            return Decline("det som ska uteslutas (inte, utan, saknar) passar inte", (), tm.name)
        if self.cmp and (p.aggregate == "compare" or (len(set(years)) == 2 and tm.measure)):
            # "2024 jämfört med 2025 – hur mycket mer?", "är X högre 2026 än 2025"; "vilka
            # objekt får mer 2026 än 2025": the rows whose amount grows
            if self.which and self.cmp in (">", ">="):
                self.increase = True
            elif self.which and self.cmp in ("<", "<="):
                self.decrease = True
            p.aggregate = "change"
        elif self.cmp:
            return Decline(
                "jämförelsen (över, under, mer än …) saknar något att jämföra med", (), tm.name
            )
        if years and not tm.time:
            years = self._dated_flags(years)
        if self.excluded_years and not tm.time:
            # "ingick 2024 men saknar kontroll i 2025 års plan": the relation's year, not a span
            self.excluded_years = self._relation_years(self.excluded_years)
            for y in list(self.excluded_years):
                dated = [
                    c for c, words in tm.flags.items() if any(w.endswith(str(y)) for w in words)
                ]
                if len(dated) == 1:
                    # "… men inte med 2024": not in the flag the data declares for that year
                    p.filters.append(Filter(dated[0], "flag", negate=True))
                    self.excluded_years.remove(y)
        if years and not tm.time:
            about = self._year_ref(tm.year) if tm.year else None
            if about is None or set(years) != {about}:
                return Decline(f"{tm.noun} har inga år", tuple(str(y) for y in years), tm.name)
            years = []  # "internkontrollplanen 2025": the year the table is about
        outside = [y for y in years + self.excluded_years if y not in tm.years]
        if outside:
            held = f" ({tm.years[0]}–{tm.years[-1]})" if tm.years else ", som inte har några år"
            return Decline(
                f"{', '.join(map(str, outside))} finns inte i {tm.noun}{held}",
                tuple(str(y) for y in outside),
                tm.name,
            )
        equal: dict[str, list[Filter]] = {}
        for f in p.filters:
            if f.op == "cmp" and f.cmp == "=" and not f.negate and f.extra != "asked":
                equal.setdefault(f.column, []).append(f)
        for column, same in equal.items():
            values = sorted({f.values[0] for f in same})
            if len(values) < 2:
                continue
            scale = tm.scales.get(column)
            levels = [lv for (sc, lv) in self.model.scale_words if sc == scale]
            if levels and values == [min(levels), max(levels)]:
                # "sannolikhetsnivå (1–4)": the scale's range, said to explain it
                p.filters = [f for f in p.filters if f not in same]
                continue
            return Decline(f"{column} kan inte vara både {values[0]} och {values[1]}", (), tm.name)
        for f in p.filters:
            scale = tm.scales.get(f.column)
            levels = [lv for (sc, lv) in self.model.scale_words if sc == scale]
            if f.op == "cmp" and levels and f.cmp == "=" and f.values[0] not in levels:
                return Decline(
                    f"{f.column} har nivåerna {min(levels)}–{max(levels)}",
                    (str(f.values[0]),),
                    tm.name,
                )
        if self.excluded_years:
            p.aggregate = "setdiff"
            p.years = tuple(years[:1]) + tuple(self.excluded_years[:1])
            if len(p.years) > 2:
                return Decline("jämförelsen behöver två år", (), tm.name)
        else:
            p.years = tuple(dict.fromkeys(years))
        merged: dict[str, Filter] = {}
        for f in list(p.filters):
            if f.op != "in" or f.negate or f.column in tm.separators:
                continue
            if f.column in merged:
                first = merged[f.column]
                if self._per_parent(first, f):
                    continue  # "vilken avdelning har flest enheter": counted per parent
                if self.which and self._both_above(first, f):
                    # "X – vilken avdelning och vilken förvaltning hör den till": both rows above
                    first.values += tuple(v for v in f.values if v not in first.values)
                    p.filters.remove(f)
                    continue
                describing = [g for g in (first, f) if self._value_next(g.pos)]
                if len(describing) == 1:
                    # "objekt i kategorin reinvesteringar": the word says what the name is
                    p.filters.remove(describing[0])
                    if describing[0] is first:
                        merged[f.column] = f
                    continue
                if not self._listed(f.column, f.pos):
                    # "vilken avdelning har flest enheter": two roles of one column, not a filter
                    return Decline(
                        f"{f.column} kan inte vara både {first.values[0]} och {f.values[0]}",
                        (str(f.values[0]),),
                        tm.name,
                    )
                # "avdelning eller enhet": values of one column are alternatives, never all at once
                first.values += tuple(v for v in f.values if v not in first.values)
                first.default = first.default and f.default
                p.filters.remove(f)
            else:
                merged[f.column] = f
        if self.ask_parent and self.values.get(tm.label or "") and not self._kind_above():
            # the row's parent is the answer: its own category filter would leave nothing
            p.filters = [f for f in p.filters if not (f.op == "in" and f.default and f.pos >= 0)]
            p.show += (self.ask_parent,)
        for f in [f for f in p.filters if f.op == "in" and f.default and f.pos >= 0]:
            rows_named = self.values.get(tm.label or "", [])
            members = [m for k in f.values for m in tm.kind_rows.get(str(k), [])]
            if not rows_named or not members or any(v in members for v in rows_named):
                continue
            if p.aggregate == "share":
                continue  # "andel av kostnaderna": the category is the whole
            above = [a for v in rows_named for a in self._ancestors(v) if a in members]
            if above and self.which:
                # "vilken avdelning hör säkerhetsenheten till": the row of that kind it is under
                p.filters.remove(f)
                self.values[tm.label or ""] = list(dict.fromkeys(above))
                self.rows_above = True  # the rows asked for are above one another: keep all
                continue
            mine = [v for v in rows_named if tm.parent]
            if tm.parent and mine:
                # "hur många enheter har kansli- och HR-avdelningen": the rows under it
                p.filters.append(Filter(tm.parent, "in", tuple(mine), pos=f.pos))
                del self.values[tm.label or ""]
                continue
            parents = {tuple(tm.parents.get(m, ())) for m in members}
            if len(parents) == 1 and len(next(iter(parents))) == 1:
                # "intäkter och kostnader": the row that sums the category's rows
                p.filters.remove(f)
                rows_named.append(next(iter(parents))[0])
                self.value_at.setdefault(rows_named[-1], f.pos)
        rows = self.values.get(tm.label or "", [])
        compared = [f for f in p.filters if f.op == "row"]
        two = [c for c, v in self.values.items() if c != tm.label and len(v) == 2]
        if self.than_seen and len(compared) == 1 and len(two) == 1 and not rows and tm.measure:
            # "hur mycket större är KS personalkostnader än expl:s": the row for both units
            p.filters.remove(compared[0])
            rows = self.values.setdefault(tm.label or "", [])
            rows.append(compared[0].values[0])
            self.value_pos.setdefault(tm.label or "", compared[0].pos)
            p.aggregate, p.versus_by = "versus", two[0]
        difference = any(it.text.lower().startswith(("skillnad", "differens")) for it in self.items)
        if (
            (
                (self.than_seen and p.aggregate is None)
                or (difference and p.aggregate == "change" and len(set(years)) == 1)
            )
            and all(f.values[0] in rows for f in compared)
            and len(two) == 1
            and len(rows) == 1
            and tm.measure
            and not p.rank
            and len(set(years)) <= 1
        ):
            # "hur mycket större är KS personalkostnader än expl:s personalkostnader", "skillnad
            # i personalkostnader mellan KS och expl 2026": the one row for both units in that
            # year, and the difference, not each unit's change from the year before
            p.filters = [f for f in p.filters if f not in compared]
            p.aggregate, p.versus_by = "versus", two[0]
        if (
            p.aggregate == "change"
            and (self.between_rows or (difference and len(set(years)) == 1))
            and len(rows) == 2
            and tm.measure
        ):
            # "skillnaden mellan X och Y 2026": two rows side by side, not a change over years
            # (with no year or several: year by year)
            p.aggregate = "versus"
        row_cmp = [f for f in p.filters if f.op == "row"]
        if len(row_cmp) == 1 and row_cmp[0].values[0] in rows:
            # "hur mycket mer kostar konsulter och andra köpta tjänster i år jämfört med förra
            # året": one row named twice, compared over the years
            p.filters.remove(row_cmp[0])
            row_cmp = []
            if len(set(years)) == 2 and tm.measure:
                p.aggregate = "change"
        if row_cmp and self.other:
            # "vilken annan risk har samma riskvärde som energibristen": not that risk
            for f in row_cmp:
                p.filters.append(Filter(tm.label or "", "in", f.values, negate=True, pos=f.pos))
        if not rows and len(row_cmp) == 1 and len(set(years)) == 2 and tm.measure:
            # "hur mycket mer är X 2028 än 2024": one row in two years, its change
            p.filters.remove(row_cmp[0])
            rows = self.values.setdefault(tm.label or "", [])
            rows.append(row_cmp[0].values[0])
            self.value_pos.setdefault(tm.label or "", row_cmp[0].pos)
            p.aggregate = "change"
        elif row_cmp and self._year_after_than():
            # "vilka år har expl högre kommunbidrag än 2025": compared with a year, not a row
            return Decline("jämförelsen med ett annat år kan jag inte läsa", (), tm.name)
        elif len(rows) == 1 and len(row_cmp) == 1 and tm.measure:
            # "hur mycket mer får Stadsskogen än Bälinge": both, and the difference
            p.filters.remove(row_cmp[0])
            rows.append(row_cmp[0].values[0])
            self.value_at.setdefault(rows[-1], row_cmp[0].pos)
            rows.sort(key=lambda v: self.value_at.get(v, 0))  # "mer får X än Y": X first
            p.aggregate = "versus"
        # a row and the row it belongs to ("reinvesteringar i fastigheter"): the narrower one
        label_values = self.values.get(tm.label or "", [])
        if len(label_values) > 1 and not self.rows_above:
            inner = [
                v
                for v in label_values
                if not any(v in tm.parents.get(o, ()) for o in label_values if o != v)
            ]
            if inner and p.aggregate != "share":
                self.values[tm.label or ""] = inner
        left_out = self._left_out()
        if isinstance(left_out, Decline):
            return left_out
        # values: several of one column are alternatives (IN); in a share, the one named right
        # after "andel av" is the whole the other is a part of
        if p.aggregate == "share" and self.share_pos is not None:
            for column, vals in self.values.items():
                if len(vals) == 2 and column == tm.label:
                    after = sorted(
                        (v for v in vals if self.value_at.get(v, -1) > self.share_pos),
                        key=lambda v: self.value_at.get(v, -1),
                    )
                    containers = [v for v in vals if any(v in tm.parents.get(o, ()) for o in vals)]
                    covered = self._covered_by(vals)
                    if covered is not None:
                        # "hur stor del av kostnaderna täcks av intäkter": the part follows "täcks"
                        whole = next(v for v in vals if v != covered)
                    elif containers:
                        whole = containers[0]
                    elif after:
                        whole = after[0]
                    else:
                        # "fastigheter + lokalanpassningar, hur stor andel av totalen": both are
                        # the part, the whole is the total
                        continue
                    vals.remove(whole)
                    p.whole = (column, whole)
        if p.aggregate == "share" and self.share_pos is not None and not p.whole:
            for column, vals in self.values.items():
                if column == tm.label or len(vals) != 2:
                    continue
                # "lägger man ihop KS och expl, hur stor andel står expl för": the one named
                # after the share word is the part, both together the whole
                share_pos = self.share_pos
                after = [v for v in vals if max(self.value_seen.get(v, [-1])) > share_pos]
                if len(after) != 1:
                    return Decline(f"andelen av vad: {' eller '.join(map(str, vals))}", (), tm.name)
                p.part = (column, after[0])
        for column, vals in self.values.items():
            p.filters.insert(0, Filter(column, "in", tuple(vals), pos=self.value_pos[column]))
        self._below()
        for f in [f for f in p.filters if f.op == "flag" and not f.negate]:
            both = [g for g in p.filters if g.op == "flag" and g.column == f.column and g.negate]
            if both:
                # "hur många accepteras respektive accepteras inte": one count per answer
                p.filters = [g for g in p.filters if not (g.op == "flag" and g.column == f.column)]
                p.group += (f.column,)
                if p.aggregate is None:
                    p.aggregate = "count"
        named = set(self.values)
        for column, value in tm.defaults.items():
            if (
                column not in named
                and column not in p.group
                and not any(f.column == column for f in p.filters)
            ):
                p.filters.insert(0, Filter(column, "in", (value,), pos=-1, default=True))
                p.defaults += (f"{column} = {value}",)
        if (
            p.when
            and tm.time
            and not p.rank
            and (p.aggregate in (None, "sum") and any(f.op == "cmp" for f in p.filters))
        ):
            # "vilka år ligger investeringarna över 140 miljoner": the years whose rows pass
            self.top_level = p.aggregate == "sum"
            p.aggregate, p.when = None, False
        if p.when and tm.time and not p.aggregate:
            p.aggregate = "first"
        one_row = len(self.values.get(tm.label or "", [])) == 1
        if self.how_much and one_row and (self.span[0] or self.span[1]) and not p.aggregate:
            self.cumulative = True  # "hur mycket läggs på Bälinge under planperioden"
        spans = self.span[0] is not None or self.span[1] is not None or len(years) > 1
        if (
            p.aggregate == "share"
            and not p.whole
            and all("procent" in w and "andel" not in w for w in self.share_words)
            and not (self.cumulative or self.time_phrase)
            and ((self.span[0] is not None and self.span[1] is not None) or len(set(years)) == 2)
            and len(self.values.get(tm.label or "", [])) == 1
        ):
            p.aggregate = "change"  # "hur många procent 2025 till 2026": the change in percent
        if self.cumulative and not spans:
            self.cumulative = False  # "hela organisationen": no years to add up
        if self.cumulative and not p.aggregate and not p.rank and not p.group and tm.measure:
            p.aggregate = "sum"
        if p.aggregate == "avg" and p.group == (tm.time,):
            p.group = ()  # "i snitt per år": the average over the years
        if self.pending == "per" and tm.label and not p.group:
            p.group = (tm.label,)  # "hur mycket läggs på varje"
        if (
            self.how_much
            and not p.aggregate
            and not p.group
            and not p.rank
            and tm.measure
            and tm.levels
            and not any(f.column == tm.label and f.op == "in" and not f.negate for f in p.filters)
            and not self.values.get(tm.label or "")
        ):
            # "hur mycket investeras 2029": one amount, the total; "… utan Stadsskogen": of the rest
            p.aggregate = "sum"
        if (p.rank or self.having) and not p.answer and self.dims_named:
            named_dims = [d for d in self.dims_named if d not in self.values and d != tm.label]
            if named_dims:
                p.answer = named_dims[0]  # "nämnden med flest utredningar"
        if self.having and p.aggregate == "count" and p.group == (tm.parent,):
            p.having = self.having  # "avdelningar med bara en enhet under sig"
        elif self.having:
            if not p.answer or p.answer == tm.label or p.aggregate not in (None, "count"):
                return Decline("ett antal rader utan något att räkna per", (), tm.name)
            # "nämnder med mer än två utredningar": the groups whose count passes the bound
            p.aggregate, p.group, p.having = "count", (p.answer,), self.having
        if self.year_asked and p.rank and tm.time and not p.group and not p.answer:
            p.when = True  # "det år med lägst investeringar": which year, not which row
        if p.when and p.rank and tm.time:
            p.when, p.group = False, (tm.time,)  # "vilket år är investeringarna lägst"
            if p.aggregate == "first":
                p.aggregate = None
        if p.answer and p.answer != tm.label and p.rank and not p.group:
            if not (tm.time and p.measure) and self.numeric is None:
                if p.aggregate is None and self._ranks_a_number():
                    # "kontrollen som gäller den högst värderade risken": 'högst' of a number
                    # not named, not a count of rows per risk
                    return self._no_number()
                if p.aggregate in (None, "count"):
                    p.aggregate, p.group = "count", (p.answer,)
            elif tm.time and p.measure and p.aggregate in (None, "sum", "avg", "change"):
                p.group = (p.answer,)
        p.decrease = self.decrease
        if (
            p.rank
            and tm.leaves
            and not self.values.get(tm.label or "")
            and not p.group
            and not (tm.levels)
        ):
            # a ranking among the rows that are no sum of others ("vad kostade mest")
            p.filters.append(Filter(tm.label or "", "in", tm.leaves, pos=-2, default=True))
        named_rows = self.values.get(tm.label or "", [])
        if (
            p.rank
            and p.limit is None
            and (self.sort_all or len(named_rows) > 1 or (self.per_used and p.group))
        ):
            p.limit = self.limit  # "rangordna", "vilken är störst av X och Y": all of them, ordered
        elif p.rank and p.limit is None:
            p.limit = self.limit or 1
        elif self.limit is not None and not p.rank:
            p.rank, p.limit = "desc", self.limit
        if p.aggregate == "change" and tm.time and tm.time in p.group:
            # "vilket år höjs kommunbidraget mest": each year against the year before
            if p.group != (tm.time,) or not tm.measure:
                return Decline("förändringen år för år gäller en rad i taget", (), tm.name)
            p.yearly = True
        elif p.aggregate == "change" and len(p.years) < 2 and tm.time:
            budget = self.model.budget_year
            if len(p.years) == 1 and p.years[0] == self.compared_year and budget in tm.years:
                # "ökar med 5,2 mnkr jämfört med 2024": from that year to the budget year
                p.years = tuple(sorted({p.years[0], budget or 0}))
                if len(p.years) < 2:
                    return Decline("förändringen behöver två år", (), tm.name)
            elif len(p.years) == 1:
                y = p.years[0]
                if y - 1 not in tm.years:
                    return Decline(f"året före {y} finns inte i {tm.noun}", (str(y),), tm.name)
                p.years = (y - 1, y)
            elif self.model.budget_year and self.model.budget_year - 1 in tm.years:
                p.years = (self.model.budget_year - 1, self.model.budget_year)
                p.defaults += (f"år = {p.years[0]}–{p.years[1]}",)
            else:
                return Decline("förändringen behöver två år", (), tm.name)
        if p.aggregate == "change" and len(p.years) >= 2 and not p.yearly:
            p.years = (min(p.years), max(p.years))
        if (
            p.aggregate == "change"
            and (self.which or self.relative)
            and self.change_cmp is None
            and not p.rank
            and not self.values.get(tm.label or "")
            and (self.increase or self.decrease)
        ):
            # "vilka investeringar minskar 2026 till 2027": the rows that do, not the total
            self.change_cmp = (">", 0, False)
        if p.aggregate == "versus" and tm.time in p.group and self.versus_cmp and tm.time:
            p.when, p.group = True, tuple(g for g in p.group if g != tm.time)  # "vilka år …"
        if p.aggregate == "versus" and p.when and self.versus_cmp and tm.time:
            # "vilka år är X större än Y": the years where the difference has that sign
            self.change_cmp, p.when = (self.versus_cmp, 0, False), False
            if p.aggregate == "versus":
                p.change_filter = self.change_cmp
                self.change_cmp = None
        if p.aggregate == "change" and p.rank and self.share_words:
            p.by_percent = True  # "vilken kostnad ökar mest i procent"
        if p.aggregate == "change" and p.rank and not (self.increase or self.decrease):
            p.either_way = True  # "förändras mest": up or down, the largest by size
        if self.change_cmp is not None:
            if p.aggregate != "change":
                return Decline("jämförelsen gäller en förändring men frågan har ingen", (), tm.name)
            p.change_filter = self.change_cmp
            one = len(self.values.get(tm.label or "", [])) == 1
            opener = self.items[0] if self.items else None
            asks = opener is not None and (
                opener.text.lower() in _YES_NO
                or any(s.kind == "op" and s.column == "change" for s in opener.senses)
            )
            if one and asks and not p.rank:
                # "stämmer det att X stiger med mer än 3 %": the change and whether it does,
                # not a filter that shows nothing when it does not
                p.filter_asked = True
        if p.aggregate in ("sum", "avg", "change", "share", "first", "setdiff", "compare") and (
            not p.measure and p.aggregate != "share"
        ):
            if p.aggregate in ("sum", "avg", "change"):
                return Decline(f"{tm.noun} har inget belopp att räkna med", (), tm.name)
        if p.aggregate == "compare" and len(p.years) < 2:
            p.aggregate = None
        if self.nonzero and p.measure and p.aggregate in (None, "count") and not p.answer:
            p.filters.append(Filter(p.measure, "cmp", (0,), cmp="!=", pos=-3))
        if self.zero and p.measure and p.aggregate == "setdiff":
            self.zero = False  # "pengar 2027 men inga pengar 2028": the set difference says it
        if self.zero and p.measure:
            asks_years = p.when or tm.time in p.group  # "vilka år får X inga pengar"
            said = " ".join(it.text.lower() for it in self.items)
            if tm.time and not p.years and _ANY_YEAR.search(said):
                # "ingen budget något år alls": in none of them; "noll kronor något år": in one
                p.years = tuple(tm.years)
                if re.search(r"\balla år", said):
                    self.zero_negated = True  # "på noll alla år": zero in every one of them
            if tm.time and not p.years and not p.count_years and not asks_years:
                # "har inga pengar alls": in one year, or in every year? Not guessed.
                return Decline("ange vilket år beloppet ska vara noll", (), tm.name)
            if asks_years and p.aggregate == "first":
                p.aggregate, p.when = None, False  # the years themselves, not the first
            dims = [d for d in self.dims_named if d != tm.time and d not in self.values]
            over = p.answer or (dims[0] if dims else tm.label)  # "någon kategori som …"
            if (
                len(p.years) > 1
                and self.zero_negated
                and not asks_years
                and not p.count_years
                and p.aggregate is None
                and over
                and not p.rank
            ):
                # "vilken kategori får inga pengar alls under planperioden": nothing in any of
                # the years, not the rows of the years that happen to be zero
                p.aggregate, p.group, p.having = "sum", (over,), ("=", 0)
            else:
                p.filters.append(Filter(p.measure, "cmp", (0,), cmp="=", pos=-3))
        bounds = [
            f
            for f in p.filters
            if f.op == "cmp" and f.column == p.measure and f.cmp in (">", ">=", "<", "<=")
        ]
        if (
            p.aggregate == "sum"
            and self.summed
            and len(set(p.years)) > 1
            and len(bounds) == 1
            and (self.which or p.answer)
            and not (p.rank or p.group or p.having)
            and (p.answer or tm.label)
        ):
            # "vilka kategorier har mer än 100 mnkr sammanlagt 2025–2029": a bound on each one's
            # sum over the years, not on the rows of each year
            p.filters.remove(bounds[0])
            p.group = (p.answer or tm.label or "",)
            p.having = (bounds[0].cmp, bounds[0].values[0])
        if p.aggregate == "count" and not self.summed and not p.group and not p.rank:
            listed = [
                c for c, v in self.values.items() if c != tm.label and len(v) > 1 and c != tm.time
            ]
            if len(listed) == 1:
                p.group = (listed[0],)  # "antal utredningar från KUN och socialnämnden": each
        if self.summed and p.aggregate is None and len(self.values.get(tm.label or "", [])) > 1:
            p.aggregate = "sum"  # "X plus Y": one sum
        if self.count_of and p.aggregate == "count" and not p.group and not p.rank:
            p.count_of = self.count_of
        if self.list_too and p.aggregate == "count" and not p.group:
            p.aggregate, p.with_count = None, True  # the rows themselves: which, and how many
        one_row = len(self.values.get(tm.label or "", [])) == 1
        if one_row and self.items and self.items[0].text.lower() in _YES_NO and not p.aggregate:
            # "är personalkostnaderna 2026 större än 120 miljoner?": the amount and whether
            # it is, not a filter that shows nothing when it is not
            for f in p.filters:
                if f.op == "cmp" and f.column == p.measure:
                    f.extra = "asked"
        if p.constant:
            if p.aggregate or p.rank or not tm.measure or not tm.label:
                return Decline("'samma belopp varje år' går inte ihop med resten", (), tm.name)
            p.group = ()
        if p.aggregate == "versus":
            by = p.versus_by or tm.label
            pair = [f for f in p.filters if f.op == "in" and f.column == by and not f.negate]
            if len(pair) != 1 or len(pair[0].values) != 2:
                return Decline("jämförelsen behöver precis två rader", (), tm.name)
        if self.times:
            if p.aggregate != "versus":
                return Decline("'gånger' behöver två rader att jämföra", (), tm.name)
            p.ratio = True
        if self.summed and self.averaged and p.aggregate in ("sum", "avg") and tm.time:
            p.aggregate, p.with_avg = "sum", True  # "totalt och snitt per år": both
        if (
            p.aggregate == "versus"
            and (self.cumulative or self.time_phrase or self.summed)
            and not p.change_filter
        ):
            p.versus_total = True  # "… än på reinvesteringar under planperioden": one sum
        p.answer_only = bool(
            p.answer
            and p.answer not in (tm.label, tm.time)
            and (self.values.get(tm.label or "") or self.asked_column)  # "vilka nämnder har …"
            and not self.rows_asked  # "vilken kontroll görs och vem ansvarar": the whole row
            and not (p.aggregate or p.rank or p.group or p.years or self.how_much or self.numeric)
        )
        measure_said = any(
            s.kind == "measure" and s.table == tm.name for it in self.items for s in it.senses
        )
        if (
            self.which
            and tm.time
            and tm.label
            and not (p.years or p.aggregate or p.rank or p.group or p.answer or p.when)
            and not (self.how_much or self.numeric or measure_said or self.span != [None, None])
            and not any(f.op in ("cmp", "row") for f in p.filters)
        ):
            # "vilka objekt hör inte till expansionsinvesteringarna": each row once, no amounts
            # of years nobody asked for
            p.answer, p.answer_only = tm.label, True
        amounts = [f for f in p.filters if f.op == "cmp" and f.column == p.measure]
        yes_no = bool(self.items) and self.items[0].text.lower() in _YES_NO
        if (
            yes_no
            and p.aggregate is None
            and len(amounts) == 1
            and amounts[0].cmp in ("=", "≈")
            and len(p.years) > 1
            and not self.values.get(tm.label or "")
        ):
            # "är det sant att investeringsplanen 2025–2029 uppgår till 619,7 mnkr": the sum and
            # whether it is that much
            p.aggregate = "sum"
        if p.aggregate in ("change", "sum") and amounts and yes_no and not p.rank:
            claimed = amounts[0]
            if len(amounts) == 1 and claimed.cmp in ("=", "≈"):
                p.filters.remove(claimed)
                tolerance = claimed.values[1] if claimed.cmp == "≈" else 0
                p.change_claim = (claimed.values[0], tolerance)
                amounts = []
        if p.aggregate == "change" and amounts:
            claimed = amounts[0]
            if len(amounts) > 1 or claimed.cmp not in ("=", "≈") or p.rank:
                # a bound on the years' amounts would answer something else
                return Decline("ett belopp i en fråga om förändring: skriv t.ex. 'ökar mer än …'")
            # "stämmer det att X ökar med 5,2 mnkr": the change and whether it is that much
            p.filters.remove(claimed)
            tolerance = claimed.values[1] if claimed.cmp == "≈" else 0
            p.change_claim = (claimed.values[0], tolerance)
        if p.rank and p.aggregate == "count" and not p.group:
            return Decline("en rangordning av ett antal behöver något att räkna per", (), tm.name)
        if p.rank and p.aggregate in ("sum", "avg") and not p.group and not p.when and tm.label:
            # a ranking of one sum ranks nothing: "vilket objekt inom expansionsinvesteringar får
            # mest totalt 2025–2029" ranks the rows, each summed over the years
            picked = [
                f for f in p.filters if f.column == tm.label and f.op == "in" and not f.negate
            ]
            one = len(picked) == 1 and len(picked[0].values) == 1
            parts = tuple(r for r, ps in tm.parents.items() if one and picked[0].values[0] in ps)
            if parts:
                # "vilken expansionsinvestering får mest": the rows inside the one named
                p.filters[p.filters.index(picked[0])] = replace(picked[0], values=parts)
            if parts or not one:
                p.group = (tm.label,)
        if (
            p.aggregate == "share"
            and tm.time
            and len(set(self.years)) >= 2
            and self.span == [None, None]
            and not (self.cumulative or self.time_phrase)
        ):
            p.group = (tm.time,)  # "andel … 2024 jämfört med 2027": each year's share
        if p.aggregate == "versus" and self.rows_added:
            # "är X lika med A plus B": a sum checked against a row, not the difference of A, B
            return Decline(
                "en summa av rader jämförd med en annan rad",
                (),
                tm.name,
                hint="ksquery check (.check här) jämför varje summarad med raderna den summerar",
            )
        self._inside_level()
        p.by = self.numeric or p.measure
        if p.rank and p.by is None and p.aggregate is None and self._ranks_a_number():
            # "vilken kontroll är störst" where no number is named and the table has none to
            # rank by: not every row, not a count per group
            return self._no_number()
        p.level = _level(p, tm)
        if p.count_years and self.summed and tm.levels:
            p.level = str(list(tm.levels.get("order") or [p.level])[-1])  # "totala investeringar"
        if p.aggregate == "compare" and self.summed and tm.levels and not p.group:
            p.level = str(list(tm.levels.get("order") or [p.level])[-1])  # "jämför totala …"
        if self.top_level and tm.levels and p.level:
            p.level = str(list(tm.levels.get("order") or [p.level])[-1])
        return p


def _level(p: Plan, tm: TableModel) -> str | None:
    """Which level of a hierarchy the rows come from, so that nothing is counted twice."""
    if not tm.levels:
        return None
    order = list(tm.levels.get("order") or ())
    if not order:
        return None
    names_rows = any(f.op == "in" and f.column == tm.label and not f.negate for f in p.filters)
    if names_rows and p.aggregate != "share":
        return None
    if any(f.column == tm.levels.get("column") for f in p.filters):
        return None  # the question names the level itself ("objekt", "kategorier")
    if p.aggregate == "share":
        return None if p.whole else order[-1]
    if any(f.op == "in" and f.column == tm.label and f.negate for f in p.filters):
        return order[0]  # "… utan Stadsskogen": only the finest rows can leave a row out
    by_level = tm.levels.get("by") or {}
    if p.answer in by_level and not p.group:
        return str(by_level[p.answer])  # "vilken investeringskategori minskar": categories
    dims = [g for g in p.group if g != tm.time]
    if dims:
        if p.aggregate == "count":
            return order[0]  # "hur många objekt per kategori": count the objects
        return str((tm.levels.get("by") or {}).get(dims[0], order[0]))
    if any(f.op == "in" and f.column != tm.label for f in p.filters if f.column in tm.dimensions):
        return order[0]
    if p.group == (tm.time,):
        return order[-1]  # per year: each year's total
    if p.rank or p.change_filter or p.aggregate in ("count", "first", "setdiff", "compare", None):
        return order[0]  # rows compared with each other or with a bound: the finest level
    return order[-1]


class NoPlan(Exception):
    """The plan cannot be compiled (a question that names too little)."""


# --- plan -> Swedish ------------------------------------------------------------------------

_CMP_WORDS = {
    ">": "över",
    ">=": "minst",
    "<": "under",
    "<=": "högst",
    "=": "lika med",
    "!=": "skilt från",
    "≈": "ungefär",
}
_AGG_WORDS = {
    "sum": "summan av",
    "count": "antalet",
    "avg": "genomsnittet av",
    "share": "andelen av",
    "change": "förändringen av",
    "first": "första året med belopp för",
    "last": "sista året med belopp för",
    "setdiff": "det som har belopp det första året men inte det andra i",
    "compare": "jämförelse av",
    "versus": "skillnaden mellan",
}


def _years_text(years: tuple[int, ...], each: bool = False) -> str:
    """'år 2026', 'åren 2025 och 2026', 'åren 2025–2029' ('each': every year named)."""
    if each or len(years) <= 2:
        return ("år " if len(years) == 1 else "åren ") + " och ".join(map(str, years))
    return f"åren {years[0]}–{years[-1]}"


def explain(p: Plan, model: Model) -> str:
    """The plan in plain Swedish, for the "Tolkat som" line."""
    tm = model.tables[p.table]
    parts: list[str] = []
    if p.having and p.aggregate == "count":  # "vilka nämnder har mer än två utredningar"
        how_many = f"{_CMP_WORDS.get(p.having[0], p.having[0])} {p.having[1]}"
        if p.having[0] == "=":
            how_many = f"exakt {p.having[1]}"
        return f"varje {' och '.join(p.group)} med {how_many} {tm.noun}, och antalet"
    if p.rank and p.aggregate == "count" and p.group and p.limit is None:
        most = "flest" if p.rank == "desc" else "färst"
        return f"antalet {tm.noun} per {' och '.join(p.group)}, {most} först"
    if p.rank and p.aggregate == "count" and p.group:
        many = "flest" if p.rank == "desc" else "färst"
        head = f"de {p.limit}" if p.limit and p.limit > 1 else "den"
        return f"{head} {' och '.join(p.group)} med {many} {tm.noun}"
    by_year = p.rank in ("desc", "asc") and p.limit == 1 and p.group == (tm.time,)
    if p.yearly:  # "vilket år ökar kommunbidraget mest": each year against the year before
        way = "minskningen" if p.decrease else "ökningen"
        most = "största" if p.rank != "asc" else "minsta"
        parts.append(
            f"året med den {most} {way} mot året före i"
            if p.rank
            else "förändringen mot året före, år för år, i"
        )
        by_year = True
    elif by_year:  # "vilket år är investeringarna högst"
        parts.append("året med de " + ("största" if p.rank == "desc" else "minsta"))
    elif p.rank and p.limit is None:
        parts.append("sorterat från " + ("minsta" if p.rank == "asc" else "största") + ":")
    elif p.rank:
        word = {"desc": "största", "asc": "minsta"}.get(p.rank, "största och minsta")
        if p.decrease:
            word = "största minskningen" if p.rank == "desc" else "minsta minskningen"
        parts.append(f"de {p.limit} {word}" if p.limit and p.limit > 1 else f"den {word}")
        if p.aggregate not in _AGG_WORDS and not p.decrease:
            parts.append("raderna i" if p.limit and p.limit > 1 else "raden i")
    if p.aggregate in _AGG_WORDS and not (p.rank and p.decrease) and not p.yearly:
        parts.append(_AGG_WORDS["last" if p.latest else p.aggregate])
    if p.count_of:
        parts.append(f"olika {p.count_of} i")  # "antalet olika nämnd i utredningarna"
    parts.append(tm.noun)
    pinned = any(f.op == "in" and f.column == tm.label and not f.negate for f in p.filters)
    named = [f for f in p.filters if f.op == "in" and not f.negate and not f.default]
    if named:
        parts.append("för " + ", ".join(" och ".join(map(str, f.values)) for f in named))
    conds, asked = [], []
    for f in p.filters:
        if f in named or (f.op == "in" and f.default and f.pos == -1):
            continue
        if f.pos == -2:
            conds.append("raden är ingen summa av andra rader")
            continue
        neg = "inte " if f.negate else ""
        if f.op == "in":
            conds.append(
                ("utom " if f.negate else f"{f.column} ") + " eller ".join(map(str, f.values))
            )
        elif f.op in ("flag", "exists") and pinned and p.aggregate is None:
            asked.append(f.column if f.op == "flag" else f"rad i {(f.extra or {}).get('table')}")
        elif f.op == "flag":
            conds.append(f"{neg}{f.column}")
        elif f.op == "exists":
            conds.append(("utan" if f.negate else "med") + f" rad i {(f.extra or {}).get('table')}")
        elif f.op == "cmp" and f.extra == "asked":
            asked.append(f"{f.column} {neg}{_CMP_WORDS[f.cmp]} {f.values[0]}")
        elif f.op == "cmp":
            conds.append(f"{f.column} {neg}{_CMP_WORDS[f.cmp]} {f.values[0]}")
        elif f.op == "row":
            conds.append(f"{f.column} {_CMP_WORDS[f.cmp]} värdet för {f.values[0]}")
        elif f.op == "contains":
            conds.append(f"{f.column} {neg}nämner »{f.values[0]}«")
    said = ""
    if p.change_filter and p.aggregate == "versus":
        bigger = "större" if p.change_filter[0].startswith(">") else "mindre"
        conds.append(f"den första är {bigger} än den andra")
    elif p.change_filter:
        cmp, bound, percent = p.change_filter
        way = "minskningen" if p.decrease else "ökningen"
        said = f"{way} är {_CMP_WORDS[cmp]} {bound}{' %' if percent else ' ' + tm.unit}"
        if not p.filter_asked:
            conds.append(said)
    if conds:
        parts.append("där " + " och ".join(conds))
    if p.filter_asked and said:
        parts.append(f"och om {said}")
    if p.whole:
        parts.append(f"av {p.whole[1]}")
    if p.years:
        parts.append(_years_text(p.years, p.aggregate in ("change", "setdiff", "compare")))
    elif tm.time and tm.years and p.aggregate in ("sum", "avg") and tm.time not in p.group:
        parts.append(f"alla år {tm.years[0]}–{tm.years[-1]}")  # say so: no year was named
    if p.group and not by_year:
        parts.append("per " + " och ".join(p.group))
    if p.rank and p.by:
        parts.append(f"efter {p.by}")
    if p.level:
        parts.append(f"(rader på nivån {p.level})")
    if asked:
        parts.append("— svaret visar om: " + ", ".join(asked))
    text = " ".join(parts)
    if p.constant:
        text += ", de rader som har samma belopp varje år"
    if p.change_claim:
        what = "förändringen" if p.aggregate == "change" else "summan"
        text += f" — svaret visar om {what} är ungefär {p.change_claim[0]}"
    if p.with_avg:
        text += ", och snittet per år"
    if p.ratio:
        text += ", och hur många gånger den första är den andra"
    if p.scale_names:
        text += ", med skalornas ord för nivåerna"
    if p.having and p.aggregate == "sum":  # "vilken kategori får inga pengar under …"
        sign = p.having[0] if p.having[0] != "=" else ""
        text += f", bara de med summan {_CMP_WORDS.get(sign, sign)} {p.having[1]}".replace(
            "  ", " "
        )
    if p.with_count:
        text += ", och hur många de är"
    if p.defaults:
        text += " (standardval: " + ", ".join(p.defaults) + ")"
    return text
