"""Transcribe the text tables (risks, controls, inquiries, directions, scales, goal) from the
source text by line ranges, joining PDF line-break hyphens (run from the repository root)."""
import csv, re
SRC = "data/source/kommunstyrelsen-budget-2025-2027.txt"
L = [""] + open(SRC, encoding="utf-8").read().split("\n")

def join(a, b, drop_prefix=""):
    """Join source lines a..b (1-based, inclusive) into one string, undoing PDF line breaks."""
    out = ""
    for i in range(a, b + 1):
        line = L[i].strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith("-") or out.endswith("/"):
            prev = out[:-1]
            nxt = line.split()[0] if line.split() else ""
            if out.endswith("/"):
                out = out + line
            elif nxt in ("och", "eller", "samt"):
                out = out + " " + line
            elif re.search(r"[A-ZÅÄÖ]{1,3}$", prev) and not re.search(r"[a-zåäö][A-ZÅÄÖ]{1,3}$", prev) and re.search(r"(^|[^A-Za-zÅÄÖåäö])[A-ZÅÄÖ]{1,3}$", prev):
                out = out + line  # IT-avdelningen, HR-avdelningen
            else:
                out = prev + line
        else:
            out = out + " " + line
    out = re.sub(r"\s+", " ", out).strip()
    if drop_prefix:
        assert out.startswith(drop_prefix), (out[:80], drop_prefix)
        out = out[len(drop_prefix):].strip()
    return out

# --- risker (Bilaga 2): (name as printed joined, first line, last line) -----------------
R = [
 ("Välfärdsbrottslighet", 729, 750), ("Energibrist/effektbrist", 752, 766), ("Cyberhot", 779, 790),
 ("Hot och otillbörlig påverkan", 792, 800), ("Avsaknad av helhetstänk vid införskaffande av system", 802, 815),
 ("Felaktiga löneutbetalningar", 817, 827), ("Bristande service mot förvaltningar och företag i upphandlingsfrågor", 829, 843),
 ("Ramavtal följs inte", 845, 858), ("Felaktiga utbetalningar", 859, 868), ("Beroendeställning till leverantör", 870, 879),
 ("Felaktig utbetalning till förtroendevalda", 881, 892), ("Bristande personuppgiftshantering", 894, 902),
 ("Ohållbara verksamhetssystem", 904, 912), ("Fakturor går till inkasso eller kronofogden", 914, 922),
 ("Avsaknad av redundant IT-infrastruktur", 924, 936), ("Bristande systemdokumentation", 938, 947),
 ("Kommunen missar strategiska inköp", 948, 957), ("Felaktig debitering", 959, 964),
 ("Bristande styrning genom styrdokument", 966, 977), ("Bristande rutiner för sekretess", 979, 986),
 ("Terrorhot", 988, 992), ("Tillfällig kompetensbrist vid avslutade anställningar", 994, 1004),
 ("Bristande beredskap", 1006, 1013), ("Otydlig ekonomisk styrning", 1015, 1024),
 ("Anställdas missbruk upptäcks inte", 1026, 1034), ("Bisysslor påverkar tjänsteutövningen", 1035, 1040),
 ("Beslut fattas utan delegation", 1042, 1050), ("Bristande arkivföring", 1052, 1059),
 ("Prioritering sker inte utifrån verksamheternas behov", 1061, 1072),
 ("Bristande skydd av säkerhetsskyddsinformation", 1074, 1084), ("Bristande lagföljsamhet", 1086, 1093),
 ("Digitala system ligger nere under längre tid", 1095, 1103), ("Bristande introduktion för nyanställda", 1105, 1115),
]
ACC = "Risken accepteras"
PLAN24 = "Risken ingår i kommunstyrelsens plan för internkontroll 2024."
risk_rows = []
for i, (name, a, b) in enumerate(R, 1):
    text = join(a, b, drop_prefix=name)
    m = re.search(r"\s(\d) (\d) (\d{1,2})\s", " " + text + " ")
    desc = text[: m.start()].strip() if m.start() > 0 else ""
    desc = (" " + text)[: m.start()].strip()
    s, v, rv = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hant = (" " + text + " ")[m.end():].strip()
    risk_rows.append(dict(risk_id=f"R{i:02d}", ordning=i, risk=name, beskrivning=desc, sannolikhet=s,
        väsentlighet=v, riskvärde=rv, hantering=hant, accepteras=ACC in hant,
        internkontroll_2024=PLAN24 in hant, avsnitt="Bilaga 2 – Risk och väsentlighetsanalys",
        tabell="Risk och väsentlighetsanalys", källrad=a))

# --- internkontroll (Bilaga 1) ------------------------------------------------------------
# (risk name as printed in Bilaga 1, risk_id, (desc lines), riskvärde, (metod lines), (ansvarig lines))
K = [
 ("Välfärdsbrottslighet", "R01", (637, 638), 12, (640, 642), (644, 645)),
 ("Energibrist", "R02", (647, 648), 8, (650, 652), (654, 656)),
 ("Avsaknad av helhetstänk vid införskaffande av system", "R05", (658, 664), 6, (666, 668), (670, 670)),
 ("Felaktiga löneutbetalningar", "R06", (672, 679), 6, (680, 681), (683, 685)),
 ("Bristande service mot förvaltningar och företag i upphandlingsfrågor", "R07", (687, 693), 6, (695, 697), (699, 700)),
 ("Ramavtal följs inte", "R08", (702, 703), 6, (703, 705), (706, 707)),
 ("Felaktig utbetalning till förtroendevalda", "R11", (709, 714), 6, (716, 721), (723, 725)),
]
ctrl_rows = []
for i, (name, rid, (da, db), rv, (ma, mb), (aa, ab)) in enumerate(K, 1):
    d = join(da, db, drop_prefix=name)
    d = re.sub(r"\s*\b%d\b\s*$" % rv, "", d).strip()
    if rid == "R08":
        d = "Risk för bristande efterlevnad av ramavtal och bristande kompetens kring inköp."
        metod = "Granskning genom stickprov att ramavtal finns och att upphandlingar har genomförts korrekt."
    else:
        metod = join(ma, mb)
    if rid == "R06":
        metod = join(680, 681)
    ctrl_rows.append(dict(kontroll_id=f"K{i}", risk_id=rid, risk=name, beskrivning=d, riskvärde=rv, metod=metod,
        ansvarig=join(aa, ab), avsnitt="Bilaga 1 – Internkontrollplan 2025", tabell="Internkontrollplan 2025", källrad=da))

def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()})
write("data/risker.csv", risk_rows)
write("data/internkontroll.csv", ctrl_rows)

# --- utredningar ---------------------------------------------------------------------------
U = [  # (nämnd lines or None = continuation, utredning lines, hantering lines, samordnare, prioriterad)
 ((217, 218), (220, 221), (223, 227), "IT-avdelningen; Kansli- och HR-avdelningen", True),
 ((229, 230), (232, 233), (235, 238), "Ekonomiavdelningen", True),
 (None, (240, 242), (244, 246), "Kansli- och HR-avdelningen", True),
 (None, (248, 253), (255, 258), "", False),
 (None, (260, 261), (263, 268), "Kansli- och HR-avdelningen", True),
 ((272, 273), (275, 277), (279, 282), "Kansli- och HR-avdelningen; IT-avdelningen", True),
 (None, (284, 285), (287, 289), "Kansli- och HR-avdelningen", True),
 (None, (291, 295), (297, 302), "", False),
 ((304, 306), (308, 310), (312, 316), "Ekonomiavdelningen", True),
 (None, (318, 321), (323, 328), "Kultur- och utbildningsförvaltningen", True),
 (None, (330, 333), (335, 339), "Kultur- och utbildningsförvaltningen", True),
 ((341, 342), (344, 347), (349, 352), "Socialförvaltningen", True),
 (None, (354, 355), (357, 359), "IT-avdelningen", True),
 ((361, 363), (365, 367), (369, 378), "Vård- och omsorgsförvaltningen; Kultur- och utbildningsförvaltningen", True),
]
rows, current = [], None
for i, (n, u, h, s, p) in enumerate(U, 1):
    if n:
        current = join(*n)
    rows.append(dict(utredning_id=f"U{i:02d}", nämnd=current, utredning=join(*u), hantering=join(*h),
        samordnas_av=s, prioriterad=p, avsnitt="Sveriges mest effektiva kommun",
        tabell="Kommunövergripande effektiviseringsåtgärder och utredningar", källrad=u[0]))
write("data/utredningar.csv", rows)

I = [("Stärkt ekonomi- och koncernstyrning", 384, (386, 388)), ("Effektiv stadsplaneringsprocess", 390, (392, 393)),
     ("Social hållbarhet", 395, (397, 398))]
write("data/inriktningar.csv", [dict(nr=i, inriktning=n, beskrivning=join(*d).lstrip("• ").strip(),
      avsnitt="Politiska inriktningar", källrad=l) for i, (n, l, d) in enumerate(I, 1)])

sk = []
for skala, a in (("Sannolikhet", 769), ("Väsentlighet", 775)):
    for k in range(4):
        m = re.match(r"(\d)\. ([^:]+): (.*)$", L[a + k].strip())
        sk.append(dict(skala=skala, nivå=int(m.group(1)), benämning=m.group(2), beskrivning=m.group(3).strip(),
                       avsnitt="Bilaga 2 – Risk och väsentlighetsanalys", källrad=a + k))
write("data/skalor.csv", sk)

# --- arbetsmiljömål ----------------------------------------------------------------------------
write("data/arbetsmiljomal.csv", [dict(mål=join(621, 622), uppföljning=join(625, 626),
      nyckeltal=join(629, 629), avsnitt="Arbetsmiljö och sjukfrånvaro", källrad=621)])
