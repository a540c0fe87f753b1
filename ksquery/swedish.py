"""Swedish words for matching: tokens with abbreviations and synonyms expanded, stop words,
number words, and Snowball stems (memoised: the stemmer is imported only for unseen words)."""

from __future__ import annotations

import re
from functools import lru_cache

NUMBER_WORDS = {
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "sexton": 16,
}
STOP = set(
    """vad vilka vilken vilket hur mycket många är var finns det den de som med för på i om
av till och eller att har hade ska skall kan visa ge lista mig oss en ett står säger jag vi man
läggs blir alla all totalt går gå satsas avsätts budgeteras kostar planeras får fick ges tack
snabbfråga alltså total totala""".split()
)
# Other words for a word: generic Swedish here; a data set adds its own (abbreviations such as
# its units' short names) from `[semantic] synonyms` in its dictionary, through use_words().
SYNONYMS = {
    "kostnad": "kostnader",
}
# Words that ask about the document's text rather than name what it is about ("vad sysslar
# X med", "varför ökar Y", "står det något om Z"): a text search leaves them out, and a question
# the tables cannot read may still be about the text when they are all it adds.
ASKING = frozenset(
    """varför när vem vems vad hur vilken vilket vilka står stod säger sägs nämns nämner
nämnt skrivs skriver berätta berättar beskriv beskrivs beskriver förklara förklaras förklarar
förklaring innebär innebar betyder handlar sysslar jobbar arbetar hände händer hänt grundar
grundas bygger byggs tänkt tänker tänkta planerar bakom gör görs göra göras gjort ska skall
kommer behöver behövs framöver något nåt några om kring angående gällande året åren årets""".split()
)
# Words for a reason, a purpose or a way of handling: the paragraph that answers may use them
# ("Syftet med … är", "hanteras genom"), so they rank it a little, but a paragraph without them
# still answers, and they never stand for a longer word ("beror" is no "beroendeställning").
REASONS = frozenset(
    """syfte syftet syftar orsak orsaken orsaker orsakar orsakas anledning anledningen
anledningar motivering motiveringen motiveras motiv skäl skälet beror beroende förklaras
förklarar hanteras hanterar hantera motverka motverkas""".split()
)
# What people type in a hurry for everyday words ("vad e", "jämfört m 2025", "fr 2024 till"):
# spelled out before anything else reads the question; whole tokens only ("e" in "e-arkiv" stays).
SHORTHAND = {
    "e": "är",
    "é": "är",
    "m": "med",
    "fr": "från",
    "dom": "de",
    "vrf": "varför",
    "nåt": "något",
    "nån": "någon",
    "ngt": "något",
    "ngn": "någon",
    "enl": "enligt",
    "bitr": "biträdande",
    "resp": "respektive",
    "tot": "totalt",
    "inkl": "inklusive",
    "exkl": "exklusive",
    "ca": "cirka",
    "org": "organisationen",
    "ang": "angående",
    "mkt": "mycket",
    "o": "och",
    "an": "än",
    "kostn": "kostnader",
    "verks": "verksamhetens",
    "sum": "summa",
}
_SHORT = re.compile(
    r"(?<![\w.-])(" + "|".join(map(re.escape, SHORTHAND)) + r")(?:\.(?!\w))?(?![\w.-])", re.I
)
_GLUED = re.compile(r"(?<=[^\W\d_]{3})\.(?=[^\W\d_]{3})")  # "invest.utgifterna"


# "ar" without its ring or dots: "år" after a word that counts years ("nasta ar"), else "är"
_AR = re.compile(
    r"\b(nästa|nasta|förra|forra|i|per|varje|detta|kommande|samma|vilket|vilka|hela|alla)\s+ar\b",
    re.I,
)
_IS = re.compile(r"(?<![\w-])ar(?![\w-])", re.I)
# "el" is "eller" between two things, but electricity after "på", "av", "om" ("brist på el")
_OR = re.compile(r"(?<![\w-])(?<!på )(?<!av )(?<!om )el\.?(?![\w-])", re.I)
_WHAT_SAYS = re.compile(r",\s*vad står det\s*\??\s*$", re.I)
_HALF = re.compile(r"\ben halv (?:miljon|miljoner|mnkr)\b", re.I)  # "mindre än en halv miljon"
# "vad står X för" asks what X means, not what the text says ("vad står det om X")
_STANDS_FOR = re.compile(r"\bvad står (?!det\b)((?:\S+\s+){0,4}?\S+) för\b", re.I)


_FOLD = str.maketrans("åäöéü", "aaoeu")


def fold(word: str) -> str:
    """The word with å, ä, ö (and é, ü) folded to plain letters, for text typed without them."""
    return word.translate(_FOLD)


# Everyday words written without å, ä, ö ("varfor", "pa", "hogst"): restored before the question
# is read, since a short word keeps its letters when compared ("är" and "år" must not meet) and
# a stem may differ once folded. A folded form that is itself a word ("har") is left alone.
MARKED = """på så när där här för från än även både också alltså varför därför nästa förra före
över år året åren årets öka ökar ökat ökade ökning ökningen ökningar minskar minskning höjs
höjning sänks sänkning högst högsta högre lägst lägsta lägre störst största större värst värsta
många mängd någon något några nån nåt hände händer hänt gör göra görs står säger sägs nämns
jämför jämfört jämförelse förändring förändringen förändras fördelat fördelning fördelade
totalbelopp så kallade kommande nästkommande föregående innevarande räknat räknas äger sköter
intäkter intäkterna kostnadsökning förslag
översyn åtgärd åtgärder åtgärdas budgetår budgetåret planår planåret lägga lägger
läggs får fått gäller används bedöms ingår ingick ändå""".split()
_UNFOLD = {fold(w): w for w in MARKED if fold(w) != w}
for _word in ("har", "sa", "mal", "ar"):  # words of their own once folded
    _UNFOLD.pop(_word, None)
_FOLDED = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, _UNFOLD)) + r")(?![\w-])", re.I)


def spell_out(text: str) -> str:
    """The text with everyday shorthand written out ("vad e" -> "vad är")."""
    text = _SHORT.sub(lambda m: SHORTHAND[m.group(1).lower()], _GLUED.sub(". ", text))
    text = _FOLDED.sub(lambda m: _UNFOLD[m.group(1).lower()], text)
    text = _IS.sub("är", _AR.sub(r"\1 år", text))
    text = _OR.sub("eller", text)
    text = _HALF.sub("0,5 miljoner", text)
    text = _WHAT_SAYS.sub("", text)  # "reinvestering i fastigheter 2027, vad står det?"
    return _STANDS_FOR.sub(r"vad betyder \1", text)


_STEMS: dict[str, str] = {}  # word -> stem, preloaded from the on-disk index


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer  # imports all 36 languages (~8 ms): only when a word is new

    return snowballstemmer.stemmer("swedish")


def stem(word: str) -> str:
    """The Swedish stem of one lowercase word."""
    found = _STEMS.get(word)
    if found is None:
        found = _STEMS[word] = _stemmer().stemWord(word)
    return found


# Abbreviations people type in a hurry, expanded before the text is split into words; a data set
# declares its own in `[semantic] abbreviations` (pattern -> full form).
ABBREVIATIONS: list[tuple[re.Pattern, str]] = []


def use_words(synonyms: dict[str, str], abbreviations: dict[str, str]) -> None:
    """Add a data set's own synonyms and abbreviations (from its dictionary)."""
    SYNONYMS.update(synonyms)
    known = {p.pattern for p, _ in ABBREVIATIONS}
    ABBREVIATIONS.extend(
        (re.compile(pattern), full)
        for pattern, full in abbreviations.items()
        if pattern not in known
    )


def expand(text: str) -> str:
    """Lowercase text with the abbreviations a data set declared written out ('ikp')."""
    low = text.lower()
    for pattern, full in ABBREVIATIONS:
        low = pattern.sub(full, low)
    return low


def words(text: str) -> list[str]:
    """Lowercase word tokens, abbreviations and synonyms applied."""
    low = text.lower()
    for pattern, full in ABBREVIATIONS:
        low = pattern.sub(full, low)
    out = []
    for w in re.findall(r"[\wåäöÅÄÖé-]+", low):
        w = w.strip("-")
        if w:
            out.append(SYNONYMS.get(w, w))
    return out


def stems(text: str, drop_stop: bool = True) -> list[str]:
    """Stems of the text's words, stop words left out unless `drop_stop` is false."""
    return [stem(w) for w in words(text) if not (drop_stop and w in STOP)]


def remember_stems(known: dict[str, str]) -> None:
    """Preload stems computed earlier (from the on-disk question index)."""
    _STEMS.update(known)


def known_stems() -> dict[str, str]:
    """Every stem computed so far, to store in the index."""
    return dict(_STEMS)
