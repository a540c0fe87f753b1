"""Transcribe the document's number tables into long CSV files (run from the repository root).

Each row is typed in as printed, amounts separated by "|" where the PDF text wraps them; the
tests check every amount against the source text in both directions.
"""
import csv

YEARS4 = [(2024, "Budget"), (2025, "Budget"), (2026, "Plan"), (2027, "Plan")]
YEARS6 = YEARS4 + [(2028, "Plan"), (2029, "Plan")]
AVS_DRIFT = "Nämndens budget"

def drift_rows(enhet, tabell, rows):
    out = []
    for ordning, (post, radtyp, ingår_i, källrad, values) in enumerate(rows, 1):
        nums = parse(values, 4)
        for (år, typ), v in zip(YEARS4, nums):
            out.append([enhet, post, radtyp, ingår_i, ordning, år, typ, v, AVS_DRIFT, tabell, källrad])
    return out

def parse(text, n):
    """Split '100 548|108 608|…' into integers: '|' separates the printed amounts."""
    nums = [x.replace(" ", "") for x in text.split("|")]
    assert len(nums) == n, (text, nums)
    return [int(x) for x in nums]

KS = "Ekonomiska ramar, kommunstyrelsen (exkl. exploateringsenheten)"
EX = "Ekonomiska ramar, exploateringsenheten"
VK, VN, AR = "Verksamhetens kostnader", "Verksamhetens nettokostnader", "Årets resultat"
ks = [
    ("Verksamhetens intäkter", "intäkt", VN, 405, "100 548|108 608|111 879|115 459"),
    ("Personalkostnader", "kostnad", VK, 407, "-114 196|-116 205|-119 110|-122 922"),
    ("Lokalhyror", "kostnad", VK, 408, "-7 986|-8 260|-8 803|-9 084"),
    ("Köp av tjänster", "kostnad", VK, 409, "-51 171|-55 125|-56 722|-58 537"),
    ("Övriga kostnader", "kostnad", VK, 410, "-41 587|-47 652|-48 844|-50 407"),
    (VK, "summa", VN, 412, "-214 941|-227 242|-233 479|-240 950"),
    (VN, "summa", AR, 414, "-114 393|-118 634|-121 600|-125 491"),
    ("Kommunbidrag", "finansiering", AR, 417, "114 308|118 535|121 498|125 386"),
    ("Finansnetto", "finansiering", AR, 419, "85|100|102|105"),
    (AR, "resultat", "", 422, "0|0|0|0"),
]
ex = [
    ("Verksamhetens intäkter", "intäkt", VN, 564, "20 351|21 572|22 111|22 819"),
    ("Personalkostnader", "kostnad", VK, 566, "-6 386|-7 675|-7 867|-8 119"),
    ("Lokalhyror", "kostnad", VK, 567, "0|0|0|0"),
    ("Köp av tjänster", "kostnad", VK, 568, "-12 028|-9 398|-9 633|-9 941"),
    ("Övriga kostnader", "kostnad", VK, 569, "-2 170|-4 732|-4 850|-5 005"),
    (VK, "summa", VN, 571, "-20 584|-21 805|-22 350|-23 065"),
    (VN, "summa", AR, 573, "-233|-233|-239|-246"),
    ("Kommunbidrag", "finansiering", AR, 576, "233|233|239|246"),
    ("Finansnetto", "finansiering", AR, 578, "0|0|0|0"),
    (AR, "resultat", "", 581, "0|0|0|0"),
]
with open("data/drift.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["enhet", "post", "radtyp", "ingår_i", "ordning", "år", "budgettyp", "belopp_tkr", "avsnitt", "tabell", "källrad"])
    w.writerows(drift_rows("kommunstyrelsen", KS, ks) + drift_rows("exploateringsenheten", EX, ex))

T = "Totala utgifter"
inv = [
    ("Expansionsinvesteringar", "Expansionsinvesteringar", "kategori", T, 490, "44 500|70 690|91 753|107 750|112 480|60 025"),
    ("Expansionsinvesteringar", "Bälinge företagspark", "objekt", "Expansionsinvesteringar", 492, "3 000|14 345|7 030|14 725|17 480|10 925"),
    ("Expansionsinvesteringar", "Stadsskogen", "objekt", "Expansionsinvesteringar", 493, "9 000|25 600|19 700|4 800|0|0"),
    ("Expansionsinvesteringar", "Övr. exploateringsområden", "objekt", "Expansionsinvesteringar", 494, "32 500|30 745|65 023|88 225|95 000|49 100"),
    ("Imageinvesteringar", "Imageinvesteringar", "kategori", T, 496, "0|0|0|0|0|0"),
    ("Reinvesteringar", "Reinvesteringar", "kategori", T, 498, "20 100|26 100|43 100|18 600|19 600|19 600"),
    ("Reinvesteringar", "Inventarier", "objekt", "Reinvesteringar", 518, "900|9 100|16 600|9 600|8 600|8 600"),
    ("Reinvesteringar", "Tjänstekatalog", "objekt", "Reinvesteringar", 519, "6 000|5 000|10 000|6 000|5 000|5 000"),
    ("Reinvesteringar", "Fastigheter", "objekt", "Reinvesteringar", 520, "13 200|12 000|16 500|3 000|6 000|6 000"),
    ("Anpassningsinvesteringar", "Anpassningsinvesteringar", "kategori", T, 522, "7 000|10 000|10 000|10 000|10 000|10 000"),
    ("Anpassningsinvesteringar", "IT-Infrastruktur", "objekt", "Anpassningsinvesteringar", 542, "5 000|5 000|5 000|5 000|5 000|5 000"),
    ("Anpassningsinvesteringar", "Lokalanpassningar", "objekt", "Anpassningsinvesteringar", 543, "2 000|5 000|5 000|5 000|2 000|2 000"),
    ("", T, "totalt", "", 545, "71 600|106 790|144 853|136 350|142 080|89 625"),
]
with open("data/investeringar.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["kategori", "post", "nivå", "ingår_i", "ordning", "år", "budgettyp", "belopp_tkr", "avsnitt", "tabell", "källrad"])
    for ordning, (kat, post, niva, parent, rad, vals) in enumerate(inv, 1):
        for (år, typ), v in zip(YEARS6, parse(vals, 6)):
            w.writerow([kat, post, niva, parent, ordning, år, typ, v, AVS_DRIFT, "Investeringsbudget", rad])
