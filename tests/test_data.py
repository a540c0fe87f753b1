"""The transcribed tables against the budget document, and the loader's handling of broken data.

Expected values in this file were read by hand from data/source/*.txt, not copied from the CSVs.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import duckdb
import pytest
from conftest import DATA, SOURCE

from ksquery.catalog import open_catalog
from ksquery.errors import DataError

SRC_TEXT = SOURCE.read_text(encoding="utf-8")
SRC_LINES = SRC_TEXT.splitlines()
# The source with every run of whitespace (including line breaks) collapsed to one space.
SRC_FLAT = re.sub(r"\s+", " ", SRC_TEXT)

KS = "kommunstyrelsen"
EXPL = "exploateringsenheten"


def rows(catalog, sql: str, params=None) -> list[tuple]:
    return catalog.con.execute(sql, params or []).fetchall()


def squash(text: str) -> str:
    """Drop whitespace and hyphens so that a name wrapped with a PDF hyphen compares equal."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def tkr(value: int) -> str:
    """Format an integer as the document prints it: space as thousands separator, leading '-'."""
    return f"{value:,}".replace(",", " ")


# --- 1. Row counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, expected",
    [
        ("drift", 80),  # 2 enheter x 10 posts x 4 years
        ("investeringar", 78),  # 13 rows x 6 years
        ("risker", 33),
        ("internkontroll", 7),
        ("utredningar", 14),
        ("inriktningar", 3),
        ("skalor", 8),
    ],
)
def test_row_count(catalog, table, expected):
    assert rows(catalog, f'SELECT count(*) FROM "{table}"') == [(expected,)]


@pytest.mark.parametrize("table", ["organisation", "avsnitt", "påståenden"])
def test_text_tables_are_not_empty(catalog, table):
    assert rows(catalog, f'SELECT count(*) FROM "{table}"')[0][0] > 0


def test_drift_and_investeringar_shapes(catalog):
    assert rows(
        catalog,
        "SELECT enhet, count(DISTINCT post), count(DISTINCT år) FROM drift "
        "GROUP BY enhet ORDER BY enhet",
    ) == [(EXPL, 10, 4), (KS, 10, 4)]
    assert rows(catalog, "SELECT count(DISTINCT post), count(DISTINCT år) FROM investeringar") == [
        (13, 6)
    ]


# --- 2. Exact values read from the document ------------------------------------------------

# (enhet, post, år) -> tkr, read from "Ekonomiska ramar, ..." (source lines 401-422 and 560-581).
DRIFT_CELLS = {
    (KS, "Verksamhetens intäkter", 2024): 100548,
    (KS, "Verksamhetens intäkter", 2027): 115459,
    (KS, "Personalkostnader", 2025): -116205,
    (KS, "Lokalhyror", 2026): -8803,
    (KS, "Köp av tjänster", 2027): -58537,
    (KS, "Övriga kostnader", 2025): -47652,
    (KS, "Verksamhetens kostnader", 2024): -214941,
    (KS, "Verksamhetens kostnader", 2027): -240950,
    (KS, "Verksamhetens nettokostnader", 2026): -121600,
    (KS, "Kommunbidrag", 2025): 118535,
    (KS, "Finansnetto", 2024): 85,
    (KS, "Finansnetto", 2027): 105,
    (KS, "Årets resultat", 2025): 0,
    (EXPL, "Verksamhetens intäkter", 2027): 22819,
    (EXPL, "Personalkostnader", 2025): -7675,
    (EXPL, "Lokalhyror", 2024): 0,
    (EXPL, "Köp av tjänster", 2024): -12028,
    (EXPL, "Övriga kostnader", 2026): -4850,
    (EXPL, "Verksamhetens kostnader", 2025): -21805,
    (EXPL, "Verksamhetens nettokostnader", 2027): -246,
    (EXPL, "Kommunbidrag", 2026): 239,
    (EXPL, "Finansnetto", 2026): 0,
    (EXPL, "Årets resultat", 2024): 0,
}


def test_drift_cells(catalog):
    got = {
        (e, p, y): v
        for e, p, y, v in rows(catalog, "SELECT enhet, post, år, belopp_tkr FROM drift")
    }
    wrong = {k: (v, got.get(k)) for k, v in DRIFT_CELLS.items() if got.get(k) != v}
    assert not wrong, f"(expected, csv): {wrong}"


def test_drift_budgettyp_per_year(catalog):
    # Column headings: "Budget 2024 Budget 2025 Plan 2026 Plan 2027".
    assert rows(catalog, "SELECT DISTINCT år, budgettyp FROM drift ORDER BY år") == [
        (2024, "Budget"),
        (2025, "Budget"),
        (2026, "Plan"),
        (2027, "Plan"),
    ]


# post -> {år: tkr}, read from "Investeringsbudget" (source lines 470-545).
INVESTERING_CELLS = {
    "Expansionsinvesteringar": {2024: 44500, 2028: 112480},
    "Bälinge företagspark": {2025: 14345, 2029: 10925},
    "Stadsskogen": {2027: 4800, 2028: 0},
    "Övr. exploateringsområden": {2026: 65023},
    "Imageinvesteringar": {2025: 0},
    # The two categories below have their numbers on separate lines in the source.
    "Reinvesteringar": {
        2024: 20100,
        2025: 26100,
        2026: 43100,
        2027: 18600,
        2028: 19600,
        2029: 19600,
    },
    "Anpassningsinvesteringar": {
        2024: 7000,
        2025: 10000,
        2026: 10000,
        2027: 10000,
        2028: 10000,
        2029: 10000,
    },
    "Inventarier": {2024: 900},
    "Tjänstekatalog": {2026: 10000},
    "Fastigheter": {2027: 3000},
    "IT-Infrastruktur": {2029: 5000},
    "Lokalanpassningar": {2028: 2000},
    "Totala utgifter": {2024: 71600, 2026: 144853, 2029: 89625},
}


def test_investeringar_cells(catalog):
    got = {(p, y): v for p, y, v in rows(catalog, "SELECT post, år, belopp_tkr FROM investeringar")}
    wrong = {
        (p, y): (v, got.get((p, y)))
        for p, years in INVESTERING_CELLS.items()
        for y, v in years.items()
        if got.get((p, y)) != v
    }
    assert not wrong, f"(expected, csv): {wrong}"


def test_investeringar_structure(catalog):
    # Objects stand under their category heading; categories add up to "Totala utgifter".
    expected = [
        ("Expansionsinvesteringar", "Expansionsinvesteringar", "kategori", "Totala utgifter"),
        ("Expansionsinvesteringar", "Bälinge företagspark", "objekt", "Expansionsinvesteringar"),
        ("Expansionsinvesteringar", "Stadsskogen", "objekt", "Expansionsinvesteringar"),
        (
            "Expansionsinvesteringar",
            "Övr. exploateringsområden",
            "objekt",
            "Expansionsinvesteringar",
        ),
        ("Imageinvesteringar", "Imageinvesteringar", "kategori", "Totala utgifter"),
        ("Reinvesteringar", "Reinvesteringar", "kategori", "Totala utgifter"),
        ("Reinvesteringar", "Inventarier", "objekt", "Reinvesteringar"),
        ("Reinvesteringar", "Tjänstekatalog", "objekt", "Reinvesteringar"),
        ("Reinvesteringar", "Fastigheter", "objekt", "Reinvesteringar"),
        ("Anpassningsinvesteringar", "Anpassningsinvesteringar", "kategori", "Totala utgifter"),
        ("Anpassningsinvesteringar", "IT-Infrastruktur", "objekt", "Anpassningsinvesteringar"),
        ("Anpassningsinvesteringar", "Lokalanpassningar", "objekt", "Anpassningsinvesteringar"),
        (None, "Totala utgifter", "totalt", None),
    ]
    got = rows(
        catalog,
        "SELECT DISTINCT kategori, post, nivå, ingår_i, ordning FROM investeringar "
        "ORDER BY ordning",
    )
    assert [r[:4] for r in got] == expected
    assert rows(catalog, "SELECT DISTINCT år, budgettyp FROM investeringar ORDER BY år") == [
        (2024, "Budget"),
        (2025, "Budget"),
        (2026, "Plan"),
        (2027, "Plan"),
        (2028, "Plan"),
        (2029, "Plan"),
    ]


# Bilaga 2 in document order: (risk, sannolikhet, väsentlighet, riskvärde, accepteras,
# internkontroll_2024). PDF hyphens at line ends are joined ("Välfärds-/brottslighet").
RISKS = [
    ("Välfärdsbrottslighet", 3, 4, 12, False, False),
    ("Energibrist/effektbrist", 2, 4, 8, False, False),
    ("Cyberhot", 2, 4, 8, False, True),
    ("Hot och otillbörlig påverkan", 2, 3, 6, False, False),
    ("Avsaknad av helhetstänk vid införskaffande av system", 3, 2, 6, False, True),
    ("Felaktiga löneutbetalningar", 3, 2, 6, False, True),
    ("Bristande service mot förvaltningar och företag i upphandlingsfrågor", 3, 2, 6, False, True),
    ("Ramavtal följs inte", 3, 2, 6, False, True),
    ("Felaktiga utbetalningar", 2, 3, 6, False, True),
    ("Beroendeställning till leverantör", 3, 2, 6, False, False),
    ("Felaktig utbetalning till förtroendevalda", 3, 2, 6, False, True),
    ("Bristande personuppgiftshantering", 3, 2, 6, False, False),
    ("Ohållbara verksamhetssystem", 3, 2, 6, True, False),
    ("Fakturor går till inkasso eller kronofogden", 3, 2, 6, True, False),
    ("Avsaknad av redundant IT-infrastruktur", 1, 4, 4, True, True),
    ("Bristande systemdokumentation", 2, 2, 4, False, False),
    ("Kommunen missar strategiska inköp", 2, 2, 4, False, False),
    ("Felaktig debitering", 2, 2, 4, False, False),
    ("Bristande styrning genom styrdokument", 2, 2, 4, False, False),
    ("Bristande rutiner för sekretess", 2, 2, 4, False, False),
    ("Terrorhot", 1, 4, 4, True, False),
    ("Tillfällig kompetensbrist vid avslutade anställningar", 2, 2, 4, True, False),
    ("Bristande beredskap", 1, 4, 4, True, False),
    ("Otydlig ekonomisk styrning", 2, 2, 4, True, False),
    ("Anställdas missbruk upptäcks inte", 2, 2, 4, True, False),
    ("Bisysslor påverkar tjänsteutövningen", 2, 2, 4, True, False),
    ("Beslut fattas utan delegation", 1, 4, 4, True, False),
    ("Bristande arkivföring", 1, 4, 4, True, False),
    ("Prioritering sker inte utifrån verksamheternas behov", 1, 3, 3, True, True),
    ("Bristande skydd av säkerhetsskyddsinformation", 1, 3, 3, True, False),
    ("Bristande lagföljsamhet", 1, 3, 3, True, False),
    ("Digitala system ligger nere under längre tid", 1, 3, 3, True, False),
    ("Bristande introduktion för nyanställda", 1, 2, 2, False, False),
]


def test_risks_values_and_flags(catalog):
    got = rows(
        catalog,
        "SELECT risk, sannolikhet, väsentlighet, riskvärde, accepteras, "
        "internkontroll_2024 FROM risker ORDER BY ordning",
    )
    diffs = [(exp, act) for exp, act in zip(RISKS, got, strict=True) if exp != act]
    assert not diffs, f"(expected, csv): {diffs}"


def test_risk_ids_follow_document_order(catalog):
    got = rows(catalog, "SELECT risk_id, ordning FROM risker ORDER BY ordning")
    assert got == [(f"R{i:02d}", i) for i in range(1, 34)]


def test_risk_flags_agree_with_hantering_text(catalog):
    # The flags are derived from the wording of the handling text in Bilaga 2.
    for risk, hantering, acc, ik in rows(
        catalog, "SELECT risk, hantering, accepteras, internkontroll_2024 FROM risker"
    ):
        assert ("Risken accepteras" in hantering) == acc, risk
        assert ("plan för internkontroll 2024" in hantering) == ik, risk


@pytest.mark.parametrize(
    "name",
    [
        "Välfärdsbrottslighet",
        "Bristande personuppgiftshantering",
        "Avsaknad av redundant IT-infrastruktur",
        "Bristande systemdokumentation",
        "Ohållbara verksamhetssystem",
        "Bristande skydd av säkerhetsskyddsinformation",
    ],
)
def test_hyphenated_risk_names_are_joined(catalog, name):
    assert rows(catalog, "SELECT count(*) FROM risker WHERE risk = ?", [name]) == [(1,)]


def test_no_leftover_pdf_hyphens_in_names(catalog):
    # A word broken at a line end leaves "xxx- yyy"; only "Kultur- och" style is legitimate.
    leftover = re.compile(r"\w-(\s+(?!och\b|eller\b)\w|$)")
    for table, col in [
        ("drift", "post"),
        ("investeringar", "post"),
        ("risker", "risk"),
        ("internkontroll", "risk"),
        ("internkontroll", "ansvarig"),
        ("utredningar", "nämnd"),
        ("utredningar", "utredning"),
        ("inriktningar", "inriktning"),
    ]:
        for (value,) in rows(catalog, f'SELECT DISTINCT "{col}" FROM "{table}"'):
            if value:
                assert not leftover.search(value), f"{table}.{col}: {value!r}"
                assert "  " not in value, f"{table}.{col}: {value!r}"


# Bilaga 1: (risk as printed in Bilaga 1, riskvärde, ansvarig, the Bilaga 2 risk it concerns).
INTERNKONTROLL = [
    ("Välfärdsbrottslighet", 12, "Ekonomichef", "Välfärdsbrottslighet"),
    ("Energibrist", 8, "Biträdande kommundirektör", "Energibrist/effektbrist"),
    (
        "Avsaknad av helhetstänk vid införskaffande av system",
        6,
        "IT-chef",
        "Avsaknad av helhetstänk vid införskaffande av system",
    ),
    ("Felaktiga löneutbetalningar", 6, "Biträdande kommundirektör", "Felaktiga löneutbetalningar"),
    (
        "Bristande service mot förvaltningar och företag i upphandlingsfrågor",
        6,
        "Ekonomichef",
        "Bristande service mot förvaltningar och företag i upphandlingsfrågor",
    ),
    ("Ramavtal följs inte", 6, "Ekonomichef", "Ramavtal följs inte"),
    (
        "Felaktig utbetalning till förtroendevalda",
        6,
        "Biträdande kommundirektör",
        "Felaktig utbetalning till förtroendevalda",
    ),
]


def test_internkontroll_rows_and_join(catalog):
    got = rows(
        catalog,
        "SELECT k.kontroll_id, k.risk, k.riskvärde, k.ansvarig, r.risk, "
        "r.riskvärde FROM internkontroll k LEFT JOIN risker r USING (risk_id) "
        "ORDER BY k.källrad",
    )
    assert [g[0] for g in got] == [f"K{i}" for i in range(1, 8)]
    assert [g[1:5] for g in got] == INTERNKONTROLL
    # Bilaga 1 and Bilaga 2 print the same riskvärde for each control.
    assert all(g[2] == g[5] for g in got)


def test_utredningar_per_namnd(catalog):
    got = rows(catalog, "SELECT nämnd, count(*) FROM utredningar GROUP BY nämnd ORDER BY nämnd")
    assert got == [
        ("Bygg- och miljönämnden", 1),
        ("Kommunstyrelsen", 7),
        ("Kultur- och utbildningsnämnden", 3),
        ("Socialnämnden", 2),
        ("Vård- och omsorgsnämnden", 1),
    ]


def test_utredningar_not_prioritised(catalog):
    # "bedöms inte som prioriterat" (source lines 255-258 and 297-302); nobody coordinates them.
    got = rows(
        catalog,
        "SELECT nämnd, utredning, samordnas_av FROM utredningar "
        "WHERE NOT prioriterad ORDER BY utredning_id",
    )
    assert got == [
        (
            "Kommunstyrelsen",
            "Utred lämplighet i att samordna kommunens juristkompetenser, samt "
            "utred juristsamverkan med andra kommuner",
            None,
        ),
        (
            "Kommunstyrelsen",
            "Undersöka möjligheten att dela kompetenser med andra kommuner, "
            "förvaltningar eller bolag",
            None,
        ),
    ]
    assert rows(
        catalog,
        "SELECT count(*) FROM utredningar WHERE prioriterad AND coalesce(samordnas_av, '') = ''",
    ) == [(0,)]


@pytest.mark.parametrize(
    "namnd, utredning",
    [
        ("Bygg- och miljönämnden", "Införande av ett E-arkiv"),
        ("Kommunstyrelsen", "Översyn av interndebiteringar"),
        (
            "Kultur- och utbildningsnämnden",
            "Ökad samverkan med andra förvaltningar gällande yrkesgrupper - Attraktiv arbetsgivare",
        ),
        ("Socialnämnden", "Använda kommunorganisationen i arbetsmarknadsverksamhet"),
        ("Socialnämnden", "Använda AI-stöd i utredningar"),
        ("Vård- och omsorgsnämnden", "Kommunövergripande handlingsplaner och rutiner"),
    ],
)
def test_utredning_names(catalog, namnd, utredning):
    assert rows(
        catalog,
        "SELECT count(*) FROM utredningar WHERE nämnd = ? AND utredning = ?",
        [namnd, utredning],
    ) == [(1,)]


def test_inriktningar_titles(catalog):
    assert rows(catalog, "SELECT nr, inriktning FROM inriktningar ORDER BY nr") == [
        (1, "Stärkt ekonomi- och koncernstyrning"),
        (2, "Effektiv stadsplaneringsprocess"),
        (3, "Social hållbarhet"),
    ]


def test_skalor_wordings(catalog):
    # "Förklaring" in Bilaga 2; the document's own typo "fels" is kept.
    assert rows(
        catalog, "SELECT skala, nivå, benämning, beskrivning FROM skalor ORDER BY skala, nivå"
    ) == [
        (
            "Sannolikhet",
            1,
            "Osannolik",
            "risken för att fel ska uppstå är praktiskt taget obefintlig",
        ),
        ("Sannolikhet", 2, "Mindre sannolik", "risken för att fels ska uppstå är mycket liten"),
        ("Sannolikhet", 3, "Möjlig", "det finns en möjlig risk för att fel ska uppstå"),
        ("Sannolikhet", 4, "Sannolik", "det är mycket troligt att fel ska uppstå"),
        ("Väsentlighet", 1, "Försumbar", "är obetydlig för de olika intressenterna och kommunen"),
        ("Väsentlighet", 2, "Lindrig", "uppfattas som liten av såväl intressenter som kommunen"),
        (
            "Väsentlighet",
            3,
            "Kännbar",
            "uppfattas som besvärande av såväl intressenter som kommunen",
        ),
        ("Väsentlighet", 4, "Allvarlig", "är så stor att fel helt enkelt inte får inträffa"),
    ]


@pytest.mark.parametrize(
    "table, columns",
    [
        ("risker", ["risk", "beskrivning", "hantering"]),
        ("internkontroll", ["risk", "beskrivning", "metod"]),
        ("utredningar", ["utredning", "hantering"]),
        ("inriktningar", ["inriktning", "beskrivning"]),
        ("skalor", ["benämning", "beskrivning"]),
    ],
)
def test_text_cells_occur_in_source(catalog, table, columns):
    # Every text cell, ignoring line breaks and PDF hyphens, is a verbatim piece of the document.
    haystack = squash(SRC_TEXT)
    missing = [
        (col, value)
        for col in columns
        for (value,) in rows(catalog, f'SELECT "{col}" FROM "{table}"')
        if value and squash(value) not in haystack
    ]
    assert not missing


# --- 3. Numbers against the printed document ------------------------------------------------


def _printed(value: int) -> re.Pattern:
    """A regex for `value` as printed, bounded by non-digits (a positive must not follow '-')."""
    before = r"(?<!\d)" if value < 0 else r"(?<![\d-])"
    return re.compile(before + re.escape(tkr(value)) + r"(?!\d)")


@pytest.mark.parametrize("table", ["drift", "investeringar"])
def test_every_amount_is_printed_in_source(catalog, table):
    missing = []
    for post, value in rows(catalog, f'SELECT DISTINCT post, belopp_tkr FROM "{table}"'):
        if value == 0:
            # "0" occurs everywhere; require it as a token on a line that starts with the label.
            label_lines = [ln for ln in SRC_LINES if ln.strip().startswith(post)]
            if not any("0" in ln.split() for ln in label_lines):
                missing.append((post, value))
        elif not _printed(value).search(SRC_FLAT):
            missing.append((post, value))
    assert not missing, f"not printed in the source: {missing}"


_NUM_TOKEN = re.compile(r"-?\d+")


def _groupings(tokens: list[str], k: int):
    """Yield every way to read `tokens` (space-split digits) as k thousands-separated numbers."""
    if k == 0:
        if not tokens:
            yield []
        return
    for i in range(1, len(tokens) + 1):
        head, rest = tokens[:i], tokens[i:]
        first_ok = re.fullmatch(r"-?(0|[1-9]\d{0,2})", head[0]) and not (
            head[0].lstrip("-") == "0" and len(head) > 1
        )
        if not first_ok or not all(re.fullmatch(r"\d{3}", t) for t in head[1:]):
            break  # a longer head starting the same way is invalid too
        for tail in _groupings(rest, k - 1):
            yield [int("".join(head))] + tail


def parse_numbers(tokens: list[str], k: int) -> list[int]:
    """Read k numbers from tokens like "100 548 108 608 ..." that print thousands with a space.

    The split is ambiguous in general ("100 548 108 608" could be 100 | 548 108 608); a table row's
    values have similar magnitudes, so the reading whose groups are most even in length wins, and
    it must be the only one.
    """
    options = list(_groupings(tokens, k))
    assert options, f"cannot read {k} numbers from {tokens}"

    def spread(vals):
        lengths = [len(tkr(abs(v)).split()) for v in vals]
        return max(lengths) - min(lengths)

    best = min(spread(o) for o in options)
    chosen = [o for o in options if spread(o) == best]
    assert len(chosen) == 1, f"ambiguous numbers {tokens}: {chosen}"
    return chosen[0]


def parse_source_table(first: int, last: int, k: int) -> list[tuple[str, list[int]]]:
    """Parse source lines first..last (1-based, inclusive) into (label, k numbers) rows.

    A line with letters starts a row unless the previous row has no numbers yet (a wrapped label
    such as "Verksamhetens / nettokostnader"); a line of numbers only continues the current row
    (the wrapped "Reinvesteringar" and "Anpassningsinvesteringar" rows).
    """
    parsed: list[list] = []
    for line in SRC_LINES[first - 1 : last]:
        tokens = line.split()
        if not tokens:
            continue
        i = len(tokens)
        while i > 0 and _NUM_TOKEN.fullmatch(tokens[i - 1]):
            i -= 1
        label, numbers = " ".join(tokens[:i]), tokens[i:]
        if label and parsed and not parsed[-1][1]:
            parsed[-1][0] += " " + label
        elif label:
            parsed.append([label, []])
        parsed[-1][1].extend(numbers)
    return [(label, parse_numbers(nums, k)) for label, nums in parsed]


def _line_no(predicate, start: int = 1) -> int:
    """The 1-based number of the first source line at or after `start` satisfying predicate."""
    for n in range(start, len(SRC_LINES) + 1):
        if predicate(SRC_LINES[n - 1].strip()):
            return n
    raise AssertionError("line not found in source")


def _drift_table_in_source(heading: str) -> tuple[list[tuple[str, int]], list]:
    top = _line_no(lambda s: s == heading)
    header = _line_no(lambda s: s.startswith("Belopp i tkr"), top)
    last = _line_no(lambda s: s.startswith("Årets resultat"), header)
    columns = [
        (typ, int(y)) for typ, y in re.findall(r"(Budget|Plan) (\d{4})", SRC_LINES[header - 1])
    ]
    return columns, parse_source_table(header + 1, last, len(columns))


@pytest.mark.parametrize(
    "enhet, heading",
    [
        (KS, "Ekonomiska ramar, kommunstyrelsen (exkl. exploateringsenheten)"),
        (EXPL, "Ekonomiska ramar, exploateringsenheten"),
    ],
)
def test_drift_source_rows_equal_csv(catalog, enhet, heading):
    columns, parsed = _drift_table_in_source(heading)
    assert columns == [("Budget", 2024), ("Budget", 2025), ("Plan", 2026), ("Plan", 2027)]
    assert len(parsed) == 10
    csv_rows = rows(
        catalog,
        "SELECT post, list(belopp_tkr ORDER BY år), list(DISTINCT år ORDER BY år) FROM drift "
        "WHERE enhet = ? GROUP BY post ORDER BY min(ordning)",
        [enhet],
    )
    assert all(r[2] == [y for _, y in columns] for r in csv_rows)
    assert [(post, values) for post, values, _ in csv_rows] == parsed


def test_investeringar_source_rows_equal_csv(catalog):
    top = _line_no(lambda s: s == "Investeringsbudget")
    first = _line_no(lambda s: s.startswith("Expansionsinvesteringar"), top)
    last = _line_no(lambda s: s.startswith("Totala utgifter"), first)
    # The column headings are wrapped one word per line between the title and the first row.
    heading = " ".join(SRC_LINES[top : first - 1])
    columns = [(t, int(y)) for t, y in re.findall(r"(Budget|Plan)\s+(\d{4})", heading)]
    assert [y for _, y in columns] == list(range(2024, 2030))
    parsed = parse_source_table(first, last, len(columns))
    csv_rows = rows(
        catalog,
        "SELECT post, list(belopp_tkr ORDER BY år) FROM investeringar "
        "GROUP BY post ORDER BY min(ordning)",
    )
    assert csv_rows == parsed
    assert rows(catalog, "SELECT DISTINCT budgettyp, år FROM investeringar ORDER BY år") == columns


# --- 4. Provenance: källrad ----------------------------------------------------------------

PROVENANCE = {
    # table -> SQL giving (key, name that must start at källrad, källrad)
    "drift": "SELECT DISTINCT enhet || ' / ' || post, post, källrad FROM drift",
    "investeringar": "SELECT DISTINCT post, post, källrad FROM investeringar",
    "risker": "SELECT risk_id, risk, källrad FROM risker",
    "internkontroll": "SELECT kontroll_id, risk, källrad FROM internkontroll",
    "utredningar": "SELECT utredning_id, utredning, källrad FROM utredningar",
    "inriktningar": "SELECT nr, inriktning, källrad FROM inriktningar",
    "skalor": "SELECT skala || nivå, nivå || '. ' || benämning || ':', källrad FROM skalor",
}

# Rows whose källrad is known to be wrong in data/*.csv (see the xfail test below).
KNOWN_BAD_KALLRAD = {
    ("drift", f"{KS} / Verksamhetens nettokostnader"),
    ("drift", f"{EXPL} / Verksamhetens nettokostnader"),
}


def _starts_at(name: str, line_no: int) -> bool:
    """True if `name` begins on source line `line_no` (it may wrap onto the following lines)."""
    if not 1 <= line_no <= len(SRC_LINES):
        return False
    window = "\n".join(SRC_LINES[line_no - 1 : line_no + 9])
    return squash(window).startswith(squash(name))


def _provenance_failures(catalog, table: str, only=None) -> list:
    failures = []
    for key, name, line_no in rows(catalog, PROVENANCE[table]):
        if only is not None and (table, key) not in only:
            continue
        if only is None and (table, key) in KNOWN_BAD_KALLRAD:
            continue
        if not _starts_at(name, line_no):
            shown = SRC_LINES[line_no - 1] if 1 <= line_no <= len(SRC_LINES) else None
            failures.append((key, name, line_no, shown))
    return failures


@pytest.mark.parametrize("table", list(PROVENANCE))
def test_kallrad_points_at_the_row_name(catalog, table):
    assert not _provenance_failures(catalog, table)


def test_each_post_has_one_kallrad(catalog):
    assert (
        rows(
            catalog,
            "SELECT enhet, post FROM drift GROUP BY enhet, post HAVING count(DISTINCT källrad) > 1",
        )
        == []
    )
    assert (
        rows(
            catalog,
            "SELECT post FROM investeringar GROUP BY post HAVING count(DISTINCT källrad) > 1",
        )
        == []
    )


def test_kallrad_of_wrapped_drift_label(catalog):
    assert not _provenance_failures(catalog, "drift", only=KNOWN_BAD_KALLRAD)


# --- 5. Loader errors ---------------------------------------------------------------------


def _cache_dir() -> Path:
    return Path(os.environ["KSQUERY_HOME"]) / "cache"


def _cache_files() -> set[str]:
    cache = _cache_dir()
    return {p.name for p in cache.iterdir()} if cache.is_dir() else set()


def assert_data_error(data_dir, *needles: str) -> str:
    """open_catalog(data_dir) must raise a one-line DataError containing every needle and leave
    nothing behind; the shipped data must still open afterwards. Returns the message."""
    before = _cache_files()
    with pytest.raises(DataError) as info:
        open_catalog(data_dir)
    message = str(info.value)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    after = _cache_files()
    assert not [n for n in after if ".tmp" in n], after
    assert after == before, f"files left in the cache: {after - before}"
    intact = open_catalog(DATA)
    try:
        assert intact.con.execute("SELECT count(*) FROM drift").fetchone() == (80,)
    finally:
        intact.close()
    return message


def _edit_line(path: Path, line_no: int, edit) -> None:
    """Rewrite 1-based line `line_no` of a CSV, keeping its line endings."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    body = lines[line_no - 1].rstrip("\r\n")
    lines[line_no - 1] = edit(body) + lines[line_no - 1][len(body) :]
    path.write_bytes("".join(lines).encode("utf-8"))


def _find_line(path: Path, prefix: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if ln.startswith(prefix))


def test_error_too_many_columns(data_copy):
    _edit_line(data_copy / "drift.csv", 7, lambda s: s + ",extra")
    assert_data_error(data_copy, "drift.csv", "rad 7")


def test_error_too_few_columns(data_copy):
    _edit_line(data_copy / "investeringar.csv", 12, lambda s: s.rsplit(",", 2)[0])
    assert_data_error(data_copy, "investeringar.csv", "rad 12")


def test_error_non_number(data_copy):
    path = data_copy / "drift.csv"
    _edit_line(path, 10, lambda s: s.replace(",-7986,", ",12x,"))
    assert ",12x," in path.read_text(encoding="utf-8")
    assert_data_error(data_copy, "drift.csv", "rad 10", "belopp_tkr", "12x")


def test_error_missing_file(data_copy):
    (data_copy / "risker.csv").unlink()
    assert_data_error(data_copy, "risker.csv")


def test_error_bad_encoding(data_copy):
    path = data_copy / "risker.csv"
    line_no = _find_line(path, "R21,")
    raw = path.read_bytes()
    assert raw.count(b"Terrorhot") == 1
    path.write_bytes(raw.replace(b"Terrorhot", "Terrorhöt".encode("latin-1")))
    assert_data_error(data_copy, "risker.csv", f"rad {line_no}")


def test_error_header_mismatch(data_copy):
    _edit_line(data_copy / "risker.csv", 1, lambda s: s.replace("sannolikhet,", "sannolikhetx,"))
    assert_data_error(data_copy, "risker.csv", "rad 1", "sannolikhetx")


def _break_belopp_type(data_copy: Path) -> int:
    path = data_copy / "dictionary.toml"
    text = path.read_text(encoding="utf-8")
    old = '{ name = "belopp_tkr", type = "BIGINT"'
    assert old in text
    line_no = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, '{ name = "belopp_tkr", type = "MONEY"', 1), encoding="utf-8")
    return line_no


def test_error_unknown_type(data_copy):
    _break_belopp_type(data_copy)
    assert_data_error(data_copy, "dictionary.toml", "drift", "belopp_tkr", "MONEY")


def test_error_unknown_type_names_line(data_copy):
    line_no = _break_belopp_type(data_copy)
    message = assert_data_error(data_copy, "dictionary.toml")
    assert re.search(rf"\b{line_no}\b", message), message


def test_error_missing_dictionary(data_copy):
    (data_copy / "dictionary.toml").unlink()
    assert_data_error(data_copy, "dictionary.toml")


def test_error_malformed_toml(data_copy):
    path = data_copy / "dictionary.toml"
    text = path.read_text(encoding="utf-8")
    line_no = text[: text.index("[tables.drift]")].count("\n") + 1
    path.write_text(text.replace("[tables.drift]", "[tables.drift", 1), encoding="utf-8")
    message = assert_data_error(data_copy, "dictionary.toml")
    assert re.search(rf"\b{line_no}\b", message), message


def test_error_data_dir_missing(tmp_path, monkeypatch):
    missing = tmp_path / "finns-inte"
    assert_data_error(missing, "finns-inte")
    assert_data_error(str(missing), "finns-inte")
    monkeypatch.setenv("KSQUERY_DATA", str(missing))
    assert_data_error(None, "finns-inte")


# --- 6. --data / KSQUERY_DATA on a copy ----------------------------------------------------

_KS_INTAKT_2024 = (
    "SELECT belopp_tkr FROM drift WHERE enhet = 'kommunstyrelsen' "
    "AND post = 'Verksamhetens intäkter' AND år = 2024"
)


def test_data_dir_copy_is_independent(data_copy, monkeypatch):
    path = data_copy / "drift.csv"
    _edit_line(path, 2, lambda s: s.replace(",100548,", ",100549,"))
    changed = open_catalog(data_copy)
    try:
        assert changed.con.execute(_KS_INTAKT_2024).fetchone() == (100549,)
    finally:
        changed.close()
    shipped = open_catalog(DATA)
    try:
        assert shipped.con.execute(_KS_INTAKT_2024).fetchone() == (100548,)
    finally:
        shipped.close()
    # The same through the environment variable.
    monkeypatch.setenv("KSQUERY_DATA", str(data_copy))
    via_env = open_catalog()
    try:
        assert via_env.data_dir == data_copy.resolve()
        assert via_env.con.execute(_KS_INTAKT_2024).fetchone() == (100549,)
    finally:
        via_env.close()


def test_adding_a_table_is_a_file_and_a_dictionary_entry(data_copy, catalog):
    (data_copy / "nyckeltal.csv").write_text(
        "namn,år,värde\nSjukfrånvaro,2025,4.5\nPulsmätningar,2025,3\n", encoding="utf-8"
    )
    with (data_copy / "dictionary.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[tables.nyckeltal]\nfile = "nyckeltal.csv"\ndescription = "Testtabell"\n'
            "columns = [\n"
            '  { name = "namn", type = "VARCHAR", description = "Namn" },\n'
            '  { name = "år", type = "INTEGER", description = "År" },\n'
            '  { name = "värde", type = "DECIMAL(6,2)", description = "Värde" },\n'
            "]\n"
        )
    cat = open_catalog(data_copy)
    try:
        assert "nyckeltal" in cat.tables
        got = cat.con.execute("SELECT namn, år, värde FROM nyckeltal ORDER BY namn").fetchall()
        assert [(n, y, float(v)) for n, y, v in got] == [
            ("Pulsmätningar", 2025, 3.0),
            ("Sjukfrånvaro", 2025, 4.5),
        ]
        # The rest of the data set is still there.
        assert cat.con.execute("SELECT count(*) FROM risker").fetchone() == (33,)
    finally:
        cat.close()
    assert "nyckeltal" not in catalog.tables


# --- 7. Parquet ------------------------------------------------------------------------------

_PARQUET_DICTIONARY = """
[tables.x]
file = "x.parquet"
description = "Parquet-test"
columns = [
  { name = "n", type = "INTEGER", description = "Nummer" },
  { name = "namn", type = "VARCHAR", description = "Namn" },
  { name = "belopp", type = "DECIMAL(12,3)", description = "Belopp" },
]
"""


def _write_parquet(directory: Path, select: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    target = str(directory / "x.parquet").replace("'", "''")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet)")
    finally:
        con.close()
    (directory / "dictionary.toml").write_text(_PARQUET_DICTIONARY, encoding="utf-8")


def test_parquet_data_dir(tmp_path):
    directory = tmp_path / "pq"
    _write_parquet(
        directory,
        "SELECT * FROM (VALUES (1, 'ett', 1.5::DECIMAL(12,3)), (2, 'två', 2.25::DECIMAL(12,3)))"
        " AS t(n, namn, belopp)",
    )
    cat = open_catalog(directory)
    try:
        got = cat.con.execute("SELECT n, namn, belopp FROM x ORDER BY n").fetchall()
        assert [(n, s, float(b)) for n, s, b in got] == [(1, "ett", 1.5), (2, "två", 2.25)]
        assert cat.con.execute("SELECT sum(belopp) FROM x").fetchone()[0] == 3.75
    finally:
        cat.close()


def test_parquet_type_mismatch(tmp_path):
    directory = tmp_path / "pq-bad"
    # n is VARCHAR in the file but INTEGER in the dictionary.
    _write_parquet(directory, "SELECT 'ett' AS n, 'a' AS namn, 1.5::DECIMAL(12,3) AS belopp")
    assert_data_error(directory, "x.parquet", "n", "VARCHAR", "INTEGER")


@pytest.mark.parametrize(
    "value, words", [("123456789012.5", "för stort"), ("1.23456", "decimaler")]
)
def test_error_decimal_out_of_its_type(data_copy, value, words):
    # påståenden.värde is DECIMAL(12,3): 9 whole digits and 3 decimals at most.
    path = data_copy / "påståenden.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][rows[0].index("värde")] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    assert_data_error(data_copy, "påståenden.csv", "rad 2", "kolumn värde", words)
