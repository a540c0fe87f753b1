-- title: Risken {risk}
-- description: En risk ur risk- och väsentlighetsanalysen med beskrivning, värdering, hantering och eventuell kontroll.
-- aliases: vad står det om risken; beskriv risken; hur hanteras risken; risk; hantering av risken; vad gör man åt; åtgärder mot risken; sannolikhet och väsentlighet för risken
-- param: risk text = Välfärdsbrottslighet | in (SELECT risk FROM risker) | Riskens namn
-- source: Bilaga 2 – Risk och väsentlighetsanalys; Bilaga 1 – Internkontrollplan {meta.budget_year}
SELECT r.risk, r.beskrivning, r.sannolikhet, r.väsentlighet, r.riskvärde, r.hantering,
       k.metod AS kontrollmetod, k.ansvarig, r.källrad
FROM risker r LEFT JOIN internkontroll k USING (risk_id)
WHERE r.risk = $risk;
