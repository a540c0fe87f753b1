#!/usr/bin/env python3
"""Extract narrative text and organisation data from the KS budget text.

Reads the PDF-extracted source text of "Kommunstyrelsens budget 2025-2027"
and writes two CSV files:

* data/avsnitt.csv       - narrative paragraphs with section/sub-heading and
                           source line numbers (tables excluded)
* data/organisation.csv  - the organisational units described in
                           "Kommunstyrelsens verksamhet" (plus the
                           exploateringsenhet), with remit and 2025 focus

Python 3.11, standard library only.  Usage:

    python tools/extract_text.py [SOURCE] [OUTDIR]
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent / "data" / "source" / "kommunstyrelsen-budget-2025-2027.txt"
DEFAULT_OUTDIR = Path(__file__).resolve().parent.parent / "data"

# ---------------------------------------------------------------------------
# Hand-maintained structure of the document (1-based source line numbers).
# ---------------------------------------------------------------------------

# (line, heading text, level) - level 1 = avsnitt, level 2 = rubrik.
# The heading text is checked against the source line at run time.
HEADINGS: list[tuple[int, str, int]] = [
    (1, "Inledning", 1),
    (10, "Kommunstyrelsens verksamhet", 1),
    (12, "Förslag på omorganisation till 2025", 2),
    (40, "Planering för samhällsbyggnadsförvaltningens verksamheter", 2),
    (56, "Kommunledningskontoret", 2),
    (67, "Ekonomiavdelningen", 2),
    (89, "Kansli- och HR-avdelningen", 2),
    (116, "IT- och kommunikationsavdelningen", 2),
    (150, "Sveriges mest effektiva kommun", 1),
    (171, "Kommunstyrelsens genomlysning", 2),
    (206, "Kommunövergripande effektiviseringsåtgärder och utredningar", 2),
    (379, "Politiska inriktningar", 1),
    (384, "Stärkt ekonomi- och koncernstyrning", 2),
    (390, "Effektiv stadsplaneringsprocess", 2),
    (395, "Social hållbarhet", 2),
    (399, "Nämndens budget", 1),
    (401, "Ekonomiska ramar, kommunstyrelsen (exkl. exploateringsenheten)", 2),
    (470, "Investeringsbudget", 2),
    (560, "Ekonomiska ramar, exploateringsenheten", 2),
    (615, "Arbetsmiljö och sjukfrånvaro", 1),
    (620, "Arbetsmiljömål", 2),
    (624, "Uppföljning", 2),
    (628, "Nyckeltal", 2),
    (630, "Bilaga 1 – Internkontrollplan 2025", 1),
    (726, "Bilaga 2 – Risk och väsentlighetsanalys", 1),
]

# Inclusive line ranges holding table bodies; they are not narrative text.
EXCLUDED_RANGES: list[tuple[int, int]] = [
    (214, 378),    # table of kommunövergripande utredningar
    (403, 422),    # Ekonomiska ramar, kommunstyrelsen
    (472, 545),    # Investeringsbudget
    (562, 581),    # Ekonomiska ramar, exploateringsenheten
    (635, 725),    # Bilaga 1 control table
    (727, 10**9),  # Bilaga 2 risk table incl. the "Förklaring" scale block
]

# Words after a line-final hyphen that mean the hyphen is a real
# "suspended" compound hyphen ("kansli- och HR-avdelningen").
KEEP_SPACE_WORDS = ("och", "eller", "samt", "till")

SENTENCE_END = (".", ":", "!", "?")


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

def clean(line: str) -> str:
    """Strip a source line and collapse internal runs of whitespace."""
    return re.sub(r"\s+", " ", line).strip()


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines of one paragraph, repairing line-break hyphens.

    A line ending in "-" is joined to the next line without a space.  The
    hyphen is dropped when the letters on both sides are lowercase
    ("kommunlednings-" + "kontoret"), kept when the part before it is an
    uppercase abbreviation ("IT-" + "avdelningen") or the next word starts
    uppercase.  When the next word is "och"/"eller"/... or the next line
    starts with a comma, the hyphen is a suspended compound hyphen and is
    kept together with the space ("Kansli-" + "och HR-avdelningen").
    """
    text = ""
    for part in (clean(p) for p in parts):
        if not part:
            continue
        if not text:
            text = part
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            next_word = re.match(r"[^\s,]*", part).group(0)
            prev_word = re.search(r"(\S*)-$", text).group(1)
            if part.startswith(",") or next_word.lower() in KEEP_SPACE_WORDS:
                text = text + " " + part
            elif (prev_word.isupper() or next_word[:1].isupper()
                  or not next_word[:1].isalpha()):
                text = text + part
            elif text[-2].islower() and next_word[:1].islower():
                text = text[:-1] + part
            else:
                text = text + part
        else:
            text = text + " " + part
    return re.sub(r"\s+", " ", text).strip()


def is_excluded(lineno: int) -> bool:
    return any(a <= lineno <= b for a, b in EXCLUDED_RANGES)


def read_source(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return fh.read().splitlines()


def check_headings(lines: list[str]) -> None:
    """Fail loudly if the hand-written heading list no longer matches."""
    for lineno, heading, _level in HEADINGS:
        actual = clean(lines[lineno - 1])
        if actual != heading:
            raise SystemExit(
                f"heading mismatch at line {lineno}: expected {heading!r}, "
                f"found {actual!r}")


# ---------------------------------------------------------------------------
# avsnitt.csv
# ---------------------------------------------------------------------------

def paragraphs(lines: list[str]) -> list[dict]:
    """Split the narrative into paragraphs tagged with avsnitt/rubrik."""
    heading_at = {ln: (text, level) for ln, text, level in HEADINGS}
    avsnitt = rubrik = None
    result: list[dict] = []
    current: list[tuple[int, str]] = []  # (lineno, raw line)
    bullet = [False]  # whether the paragraph being collected is a bullet point

    def flush() -> None:
        if current:
            text = join_lines([raw for _, raw in current])
            if text:
                result.append({
                    "avsnitt": avsnitt,
                    "rubrik": rubrik,
                    "text": text,
                    "punkt": "true" if bullet[0] else "false",
                    "från": current[0][0],
                    "till": current[-1][0],
                })
            current.clear()
        bullet[0] = False

    for lineno, raw in enumerate(lines, start=1):
        if lineno in heading_at:
            flush()
            text, level = heading_at[lineno]
            if level == 1:
                avsnitt = rubrik = text
            else:
                rubrik = text
            continue
        if is_excluded(lineno) or not raw.strip():
            flush()
            continue
        stripped = raw.strip()
        # Bullet points are paragraphs of their own.
        if stripped.startswith("•"):
            flush()
            bullet[0] = True
            raw = stripped.lstrip("•")
        # A line with a stray leading space is the first line of a new PDF
        # page; when the previous line closed a sentence, it starts a new
        # paragraph (e.g. lines 45, 191, 451, 555, 598).
        elif (raw.startswith(" ") and current
              and clean(current[-1][1]).endswith(SENTENCE_END)
              and stripped[:1].isupper()):
            flush()
        current.append((lineno, raw))
    flush()

    # Number the paragraphs within each (avsnitt, rubrik).
    counters: dict[tuple[str, str], int] = {}
    for i, para in enumerate(result, start=1):
        key = (para["avsnitt"], para["rubrik"])
        counters[key] = counters.get(key, 0) + 1
        para["avsnitt_id"] = i
        para["stycke"] = counters[key]
    return result


def write_avsnitt(lines: list[str], out: Path) -> int:
    rows = paragraphs(lines)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["avsnitt_id", "avsnitt", "rubrik", "stycke", "text", "punkt",
                         "källrad_från", "källrad_till"])
        for r in rows:
            assert r["text"], r
            writer.writerow([r["avsnitt_id"], r["avsnitt"], r["rubrik"],
                             r["stycke"], r["text"], r["punkt"], r["från"], r["till"]])
    return len(rows)


# ---------------------------------------------------------------------------
# organisation.csv
# ---------------------------------------------------------------------------

# A text segment is (first line, last line, start phrase, end phrase).  The
# lines are joined with join_lines(); if phrases are given, the segment is cut
# from the start of the first phrase to the end of the second, so that single
# sentences can be taken out of a paragraph.  Segments are joined with a
# single space.
Segment = tuple[int, int, str | None, str | None]

ORGANISATION: list[dict] = [
    {
        "org_id": "klk", "namn": "Kommunledningskontoret",
        "typ": "förvaltning", "överordnad": "Kommunstyrelsen",
        "uppdrag": [(57, 65, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "samhallsbyggnad", "namn": "Samhällsbyggnadsförvaltningen",
        "typ": "förvaltning", "överordnad": "Kommunstyrelsen",
        "uppdrag": [
            (16, 18, "Från och med den 1 januari 2025", "samhällsbyggnadsförvaltningen."),
            (25, 26, None, None),
            (28, 33, None, None),
        ],
        "fokus_2025": [(41, 46, None, None), (48, 54, None, None)],
    },
    {
        "org_id": "ekonomi", "namn": "Ekonomiavdelningen",
        "typ": "avdelning", "överordnad": "Kommunledningskontoret",
        "uppdrag": [(68, 74, None, None), (76, 84, None, None)],
        "fokus_2025": [(86, 88, None, None)],
    },
    {
        "org_id": "upphandling", "namn": "Upphandlingsenheten",
        "typ": "enhet", "överordnad": "Ekonomiavdelningen",
        "uppdrag": [(80, 83, "Därtill finns upphandlingsenheten", "stöd till förvaltningar.")],
        "fokus_2025": [],
    },
    {
        "org_id": "kansli_hr", "namn": "Kansli- och HR-avdelningen",
        "typ": "avdelning", "överordnad": "Kommunledningskontoret",
        "uppdrag": [(90, 94, None, None)],
        "fokus_2025": [(114, 115, None, None)],
    },
    {
        "org_id": "hr", "namn": "HR-enheten",
        "typ": "enhet", "överordnad": "Kansli- och HR-avdelningen",
        "uppdrag": [(96, 97, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "lon_bemanning", "namn": "Lön- och bemanningsenheten",
        "typ": "enhet", "överordnad": "Kansli- och HR-avdelningen",
        "uppdrag": [(99, 100, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "sakerhet", "namn": "Säkerhetsenheten",
        "typ": "enhet", "överordnad": "Kansli- och HR-avdelningen",
        "uppdrag": [(102, 103, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "kansli_juridik", "namn": "Kansli- och juridikenheten",
        "typ": "enhet", "överordnad": "Kansli- och HR-avdelningen",
        "uppdrag": [(105, 108, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "overformyndarsamverkan", "namn": "Överförmyndarsamverkan",
        "typ": "enhet", "överordnad": "Kansli- och HR-avdelningen",
        "uppdrag": [(110, 112, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "it_kommunikation", "namn": "IT- och kommunikationsavdelningen",
        "typ": "avdelning", "överordnad": "Kommunledningskontoret",
        "uppdrag": [(117, 119, None, None), (121, 125, None, None),
                    (127, 131, None, None), (133, 135, None, None)],
        "fokus_2025": [(142, 149, None, None)],
    },
    {
        "org_id": "kommunikation", "namn": "Kommunikationsenheten",
        "typ": "enhet", "överordnad": "IT- och kommunikationsavdelningen",
        "uppdrag": [(137, 140, None, None)],
        "fokus_2025": [],
    },
    {
        "org_id": "exploatering", "namn": "Exploateringsenheten",
        "typ": "enhet", "överordnad": "Kommunstyrelsen",
        "uppdrag": [(584, 586, None, None),
                    (588, 589, "År 2025 tilldelas", "Lycke och Mjölsered.")],
        "fokus_2025": [],
    },
]


def segment_text(lines: list[str], seg: Segment) -> str:
    first, last, start, end = seg
    text = join_lines(lines[first - 1:last])
    if start is not None:
        i = text.find(start)
        if i < 0:
            raise SystemExit(f"start phrase {start!r} not found in {first}-{last}")
        text = text[i:]
    if end is not None:
        j = text.find(end)
        if j < 0:
            raise SystemExit(f"end phrase {end!r} not found in {first}-{last}")
        text = text[:j + len(end)]
    return text


def segments_text(lines: list[str], segs: list[Segment]) -> str:
    return " ".join(segment_text(lines, s) for s in segs)


def write_organisation(lines: list[str], out: Path) -> int:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["org_id", "namn", "typ", "överordnad", "uppdrag",
                         "fokus_2025", "källrad_från", "källrad_till"])
        for unit in ORGANISATION:
            segs = unit["uppdrag"] + unit["fokus_2025"]
            writer.writerow([
                unit["org_id"], unit["namn"], unit["typ"], unit["överordnad"],
                segments_text(lines, unit["uppdrag"]),
                segments_text(lines, unit["fokus_2025"]),
                min(s[0] for s in segs), max(s[1] for s in segs),
            ])
    return len(ORGANISATION)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    outdir = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTDIR
    lines = read_source(source)
    check_headings(lines)
    outdir.mkdir(parents=True, exist_ok=True)
    n_avsnitt = write_avsnitt(lines, outdir / "avsnitt.csv")
    n_org = write_organisation(lines, outdir / "organisation.csv")
    print(f"avsnitt.csv: {n_avsnitt} rows")
    print(f"organisation.csv: {n_org} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
