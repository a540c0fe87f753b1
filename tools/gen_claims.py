"""Write påståenden.csv: each numeric claim of the text with SQL that recomputes it."""
import csv
KS = "enhet = 'kommunstyrelsen'"
EX = "enhet = 'exploateringsenheten'"
def d(enh, post, år):
    return f"(SELECT belopp_tkr FROM drift WHERE {enh} AND post = '{post}' AND år = {år})"
def inv(år_från, år_till, agg="sum"):
    return f"SELECT {agg}(belopp_tkr) FROM investeringar WHERE nivå = 'totalt' AND år BETWEEN {år_från} AND {år_till}"
A1 = "Nämndens budget"
C = [
 # id, quote, avsnitt, rubrik, källrad, värde, enhet, decimaler, sql, kommentar
 ("P01", "År 2025 tilldelas kommunstyrelsen ett kommunbidrag om 118,5 mnkr.", A1, 426, "118.5", "mnkr", 1,
  f"SELECT {d(KS,'Kommunbidrag',2025)}", "Kommunbidrag 2025 i tabellen Ekonomiska ramar, kommunstyrelsen."),
 ("P02", "Kommunbidraget ökar med 5,2 mnkr jämfört med föregående år.", A1, 426, "5.2", "mnkr", 1,
  f"SELECT {d(KS,'Kommunbidrag',2025)} - {d(KS,'Kommunbidrag',2024)}", "Förändring av kommunbidraget från budget 2024 till budget 2025."),
 ("P03", "Grundbudgeten från år 2024 (113,3 mnkr) uppräknas med 100 procent av prisindex för kommunal verksamhet (PKV), vilket för år 2024 innebär 0,2 procent ökning, till 113,5 mnkr.", A1, 430, "113.5", "mnkr", 1,
  f"SELECT {d(KS,'Kommunbidrag',2025)} - 5000", "Kommunbidrag 2025 minus den permanenta höjningen om 5,0 mnkr till omställningsfonden (rad 434)."),
 ("P04", "Vid en jämförelse mellan 2024 och 2025 års budgetar noteras att verksamhetens intäkter ökar med 8,1 mnkr.", A1, 440, "8.1", "mnkr", 1,
  f"SELECT {d(KS,'Verksamhetens intäkter',2025)} - {d(KS,'Verksamhetens intäkter',2024)}", "Intäkter budget 2025 minus budget 2024."),
 ("P05", "Personalkostnaderna ökar med 2,0 mnkr.", A1, 451, "2.0", "mnkr", 1,
  f"SELECT -({d(KS,'Personalkostnader',2025)} - {d(KS,'Personalkostnader',2024)})", "Kostnader har minustecken i tabellen; en ökning är en mer negativ siffra."),
 ("P06", "Lokalhyrorna ökar med 0,3 mnkr.", A1, 454, "0.3", "mnkr", 1,
  f"SELECT -({d(KS,'Lokalhyror',2025)} - {d(KS,'Lokalhyror',2024)})", ""),
 ("P07", "Köp av tjänster ökar med 4,0 mnkr.", A1, 457, "4.0", "mnkr", 1,
  f"SELECT -({d(KS,'Köp av tjänster',2025)} - {d(KS,'Köp av tjänster',2024)})", ""),
 ("P08", "Övriga kostnader ökar med 6,1 mnkr.", A1, 463, "6.1", "mnkr", 1,
  f"SELECT -({d(KS,'Övriga kostnader',2025)} - {d(KS,'Övriga kostnader',2024)})", ""),
 ("P09", "Åren 2025 och 2026 uppräknas också med 100 procent av prisindex för kommunal verksamhet (PKV), vilket innebär 2,5 procent år 2025 […]", A1, 437, "2.5", "procent", 1,
  f"SELECT 100.0 * ({d(KS,'Kommunbidrag',2026)} / {d(KS,'Kommunbidrag',2025)} - 1)", "Kommunbidragets ökning från budget 2025 till plan 2026, i procent."),
 ("P10", "[…] och 3,2 procent år 2026.", A1, 438, "3.2", "procent", 1,
  f"SELECT 100.0 * ({d(KS,'Kommunbidrag',2027)} / {d(KS,'Kommunbidrag',2026)} - 1)", "Kommunbidragets ökning från plan 2026 till plan 2027, i procent."),
 ("P11", "Den totala investeringsplanen åren 2025–2029 uppgår till sammanlagt 619,7 mnkr.", A1, 548, "619.7", "mnkr", 1,
  inv(2025, 2029), "Summan av Totala utgifter 2025–2029."),
 ("P12", "År 2025 uppgår investeringsnivån till 106,8 mnkr", A1, 552, "106.8", "mnkr", 1, inv(2025, 2025), ""),
 ("P13", "[…] för att sedan vika uppåt till i genomsnitt 141 mnkr åren 2026–2028", A1, 553, "141", "mnkr", 0, inv(2026, 2028, "avg"), ""),
 ("P14", "[…] för att sedan vika nedåt till omkring 90 mnkr år 2029", A1, 553, "90", "mnkr", -1, inv(2029, 2029), "»Omkring« läses som avrundat till tiotal mnkr."),
 ("P15", "[…] vilket motsvarar ett genomsnitt av investeringsnivån åren 2024–2025.", A1, 554, "90", "mnkr", -1, inv(2024, 2025, "avg"), "Jämförs med »omkring 90 mnkr« på rad 553, avrundat till tiotal mnkr."),
 ("P16", "År 2025 tilldelas exploateringsenheten ett kommunbidrag om 233 tkr", A1, 588, "233", "tkr", 0,
  f"SELECT {d(EX,'Kommunbidrag',2025)}", ""),
 ("P17", "Kommunbidraget är därmed oförändrat jämfört med föregående år.", A1, 590, "0", "tkr", 0,
  f"SELECT {d(EX,'Kommunbidrag',2025)} - {d(EX,'Kommunbidrag',2024)}", ""),
 ("P18", "Grundbudgeten från år 2024 (233 tkr) uppräknas […]", A1, 593, "233", "tkr", 0,
  f"SELECT {d(EX,'Kommunbidrag',2024)}", ""),
 ("P19", "[…] vilket för år 2024 innebär 0,20 procent, till 233 mnkr.", A1, 594, "233", "mnkr", 0,
  f"SELECT {d(EX,'Kommunbidrag',2025)}", "Tabellen anger 233 tkr, dvs. 0,233 mnkr."),
 ("P20", "Vid en jämförelse mellan 2023 och 2024 års budgetar noteras att verksamhetens intäkter ökar med 1,2 mnkr.", A1, 598, "1.2", "mnkr", 1,
  f"SELECT {d(EX,'Verksamhetens intäkter',2024)} - {d(EX,'Verksamhetens intäkter',2023)}", "Tabellen har inget år 2023; mellan budget 2024 och 2025 ökar intäkterna med 1,2 mnkr."),
 ("P21", "Personalkostnaderna ökar med 1,3 mnkr.", A1, 602, "1.3", "mnkr", 1,
  f"SELECT -({d(EX,'Personalkostnader',2025)} - {d(EX,'Personalkostnader',2024)})", "Exploateringsenheten."),
 ("P22", "Köp av tjänster minskar med 2,6 mnkr.", A1, 609, "2.6", "mnkr", 1,
  f"SELECT {d(EX,'Köp av tjänster',2025)} - {d(EX,'Köp av tjänster',2024)}", "Exploateringsenheten; en minskning av en negativ kostnad är en positiv förändring."),
 ("P23", "Övriga kostnader ökar med 2,6 mnkr.", A1, 613, "2.6", "mnkr", 1,
  f"SELECT -({d(EX,'Övriga kostnader',2025)} - {d(EX,'Övriga kostnader',2024)})", "Exploateringsenheten."),
 ("P24", "Kommunstyrelsen har valt ut tre politiska inriktningar", "Politiska inriktningar", 380, "3", "st", 0,
  "SELECT count(*) FROM inriktningar", ""),
 ("P25", "Kommunledningskontoret består av tre avdelningar", "Kommunstyrelsens verksamhet", 62, "3", "st", 0,
  "SELECT count(*) FROM organisation WHERE typ = 'avdelning' AND överordnad = 'Kommunledningskontoret'", ""),
 ("P26", "Kansli- och HR-avdelningen består av HR-enheten, lön- och bemanningsenheten, säkerhetsenheten, kansli- och juridikenheten samt enheten för överförmyndarsamverkan.", "Kommunstyrelsens verksamhet", 90, "5", "st", 0,
  "SELECT count(*) FROM organisation WHERE typ = 'enhet' AND överordnad = 'Kansli- och HR-avdelningen'", ""),
]
with open("data/påståenden.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["påstående_id", "påstående", "avsnitt", "källrad", "värde", "enhet", "decimaler", "sql", "kommentar"])
    w.writerows(C)
