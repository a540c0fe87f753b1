"""Build next year's budget from the shipped data: a second data set generated, not hand-copied.

    python tests/gen_next_year.py TARGET_DIR

Every year in the data moves on by one (drift Budget 2025–2026 and Plan 2027–2028, investments
2025–2030, [meta] budget_year and title, every year in a text), this document's own slips are
mended, and then the new document gets what a new year brings: a renamed investment object (the
old name kept as an entity alias), a new object, new risks, and two planted slips: a sum that does
not add up and a product that is wrong. `key_figures(TARGET_DIR)` builds a third, tiny data set
with a table the code has never heard of. Nothing here names a query or a code path.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "data"

RENAMED = ("Stadsskogen", "Stadsskogen etapp 2")
NEW_OBJECT = ("Expansionsinvesteringar", "Laddinfrastruktur", 1500)  # category, name, tkr a year
SUM_SLIP = ("kommunstyrelsen", "Lokalhyror", 1000)  # a leaf moved: its parent no longer adds up
PRODUCT_SLIP_RISK = "Bristande kontinuitetsplanering"  # riskvärde printed 8, 2 × 3 = 6


def shift(text: str, years: int = 1) -> str:
    """Every year in the text moved on (column names such as fokus_2025 are left alone)."""
    return re.sub(r"(?<![\w])(20[2-3]\d)(?![\w])", lambda m: str(int(m.group(1)) + years), text)


def read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def mend_sums(rows: list[dict], spec: dict) -> None:
    """Make every printed sum equal its parts by moving one leaf part (so no parent changes)."""
    group, name, parent, value = spec["group"], spec["row"], spec["parent"], spec["value"]
    for _ in range(5):
        changed = False
        groups: dict[tuple, list[dict]] = {}
        for r in rows:
            groups.setdefault(tuple(r[g] for g in group), []).append(r)
        for members in groups.values():
            parents = {r[parent] for r in members if r[parent]}
            for p in members:
                parts = [r for r in members if r[parent] == p[name]]
                if not parts:
                    continue
                gap = int(p[value]) - sum(int(r[value]) for r in parts)
                if gap:
                    leaves = [r for r in parts if r[name] not in parents] or parts
                    leaves[-1][value] = str(int(leaves[-1][value]) + gap)
                    changed = True
        if not changed:
            return


def build(target: Path) -> Path:
    """Write next year's data set into `target` (created; must not exist) and return it."""
    target.mkdir(parents=True)
    spec = tomllib.loads((SHIPPED / "dictionary.toml").read_text(encoding="utf-8"))
    tables = spec["tables"]
    for name, table in tables.items():
        header, rows = read(SHIPPED / table["file"])
        years_col = [c["name"] for c in table["columns"] if c["type"].upper() != "VARCHAR"]
        for r in rows:
            for col in header:
                if col in years_col and col != "år":
                    continue  # numbers such as amounts or lines are not years
                r[col] = shift(r[col])
        if table.get("sums"):
            mend_sums(rows, table["sums"])
        if name == "investeringar":
            _investments(rows)
            mend_sums(rows, table["sums"])
        if name == "drift":
            _plant_sum_slip(rows)
        if name == "risker":
            _new_risks(rows)
        write(target / table["file"], header, rows)
    (target / "source").mkdir()
    for path in (SHIPPED / "source").iterdir():
        (target / "source" / shift(path.name)).write_text(
            shift(path.read_text(encoding="utf-8")), encoding="utf-8"
        )
    text = shift((SHIPPED / "dictionary.toml").read_text(encoding="utf-8"))
    old, new = RENAMED
    text = re.sub(
        r"(\[tables\.investeringar\]\n(?:.*\n)*?entities = \[[^\]]*\]\n)",
        lambda m: m.group(1) + f'entity_aliases = {{ post = {{ "{old}" = "{new}" }} }}\n',
        text,
        count=1,
    )
    (target / "dictionary.toml").write_text(text, encoding="utf-8")
    _mend_claims(target, tables)
    return target


def _investments(rows: list[dict]) -> None:
    old, new = RENAMED
    for r in rows:
        if r["post"] == old:
            r["post"] = new
    category, name, amount = NEW_OBJECT
    years = sorted({r["år"] for r in rows})
    template = next(r for r in rows if r["kategori"] == category and r["nivå"] == "objekt")
    last = max(int(r["ordning"]) for r in rows if r["kategori"] == category)
    for year in years:
        row = dict(template, post=name, år=year, belopp_tkr=str(amount), ordning=str(last))
        rows.append(row)
        for r in rows:  # the category and the total include the new object, as printed
            if (
                r["år"] == year
                and r["nivå"] in ("kategori", "totalt")
                and (r["post"] == category or r["nivå"] == "totalt")
            ):
                r["belopp_tkr"] = str(int(r["belopp_tkr"]) + amount)


def _plant_sum_slip(rows: list[dict]) -> None:
    unit, post, amount = SUM_SLIP
    year = sorted({r["år"] for r in rows})[2]  # the first plan year
    row = next(r for r in rows if (r["enhet"], r["post"], r["år"]) == (unit, post, year))
    row["belopp_tkr"] = str(int(row["belopp_tkr"]) + amount)


def _new_risks(rows: list[dict]) -> None:
    template = rows[-1]
    number = len(rows)
    for name, s, v, printed in (
        ("Otillräcklig AI-styrning", 3, 3, 9),
        (PRODUCT_SLIP_RISK, 2, 3, 8),
    ):
        number += 1
        rows.append(
            dict(
                template,
                risk_id=f"R{number:02d}",
                ordning=str(number),
                risk=name,
                beskrivning=f"Risk att {name.lower()} påverkar verksamheten",
                sannolikhet=str(s),
                väsentlighet=str(v),
                riskvärde=str(printed),
                hantering="Ska utredas under året.",
                accepteras="false",
                internkontroll_2024="false",
            )
        )


def _mend_claims(target: Path, tables: dict) -> None:
    """The new document's text states what its own tables say: each claim's value recomputed,
    claims the tables cannot answer left out."""
    from ksquery import engine
    from ksquery.catalog import open_catalog

    spec = next((t for t in tables.values() if "sql" in {c["name"] for c in t["columns"]}), None)
    if spec is None:
        return
    path = target / spec["file"]
    header, rows = read(path)
    catalog = open_catalog(target)
    kept = []
    unit_size = {"mnkr": Decimal(1000)}
    try:
        for r in rows:
            value = engine.run(catalog, r["sql"]).rows[0][0]
            if value is None:
                continue
            number = Decimal(str(value)) / unit_size.get(r["enhet"], 1)
            quantum = Decimal(1).scaleb(-int(r["decimaler"]))  # decimaler −1 = tens
            rounded = (number / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum
            r["värde"] = f"{rounded:.3f}"
            kept.append(r)
    finally:
        catalog.close()
    write(path, header, kept)


def key_figures(target: Path) -> Path:
    """A third data set: one table no code has heard of, added with a CSV and a dictionary entry."""
    target.mkdir(parents=True)
    rows = [
        ("Alingsås", 2023, "Nettokostnad per invånare", 61250.5),
        ("Alingsås", 2024, "Nettokostnad per invånare", 63900.0),
        ("Lerum", 2023, "Nettokostnad per invånare", 59010.25),
        ("Lerum", 2024, "Nettokostnad per invånare", 60120.0),
        ("Alingsås", 2024, "Sjukfrånvaro procent", 7.9),
        ("Lerum", 2024, "Sjukfrånvaro procent", 7.1),
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["kommun", "år", "nyckeltal", "värde"])
    writer.writerows(rows)
    (target / "nyckeltal.csv").write_text(buf.getvalue(), encoding="utf-8")
    (target / "dictionary.toml").write_text(
        """[meta]
title = "Nyckeltal för kommuner"
budget_year = 2024

[tables.nyckeltal]
file = "nyckeltal.csv"
description = "Kommunala nyckeltal per kommun och år."
source = "Kolada (exempel)"
entities = ["kommun", "nyckeltal"]
columns = [
  { name = "kommun", type = "VARCHAR", description = "Kommunens namn" },
  { name = "år", type = "INTEGER", description = "År" },
  { name = "nyckeltal", type = "VARCHAR", description = "Nyckeltalets namn" },
  { name = "värde", type = "DOUBLE", description = "Nyckeltalets värde" },
]
""",
        encoding="utf-8",
    )
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("användning: python tests/gen_next_year.py MÅLKATALOG")
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out) if input(f"{out} finns; skriv över? [j/N] ") == "j" else sys.exit(1)
    print(build(out))
