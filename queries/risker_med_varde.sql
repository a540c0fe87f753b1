-- title: Risker med riskvärde {min_värde}–{max_värde}
-- description: Alla risker med riskvärde, sannolikhet och väsentlighet inom gränserna, och om de har ett kontrollmoment i internkontrollplanen {meta.budget_year}.
-- aliases: risker med högt riskvärde; högsta riskerna; största riskerna; allvarligaste riskerna; risker över; risker med värde; lista risker; alla risker; riskerna; risker under; lägsta riskerna; risker med sannolikhet; risker med väsentlighet
-- param: min_värde int = 1 | in 1..16 | Lägsta riskvärde
-- param: max_värde int = 16 | in 1..16 | Högsta riskvärde
-- param: min_sannolikhet int = 1 | in 1..4 | Lägsta sannolikhet
-- param: max_sannolikhet int = 4 | in 1..4 | Högsta sannolikhet
-- param: min_väsentlighet int = 1 | in 1..4 | Lägsta väsentlighet
-- param: max_väsentlighet int = 4 | in 1..4 | Högsta väsentlighet
-- check: min_värde <= max_värde
-- check: min_sannolikhet <= max_sannolikhet
-- check: min_väsentlighet <= max_väsentlighet
-- source: Bilaga 2 – Risk och väsentlighetsanalys
-- chart: bar x=risk y=riskvärde
SELECT risk, sannolikhet, väsentlighet, riskvärde,
       risk_id IN (SELECT risk_id FROM internkontroll) AS har_kontroll,
       accepteras, källrad
FROM risker
WHERE riskvärde BETWEEN $min_värde AND $max_värde
  AND sannolikhet BETWEEN $min_sannolikhet AND $max_sannolikhet
  AND väsentlighet BETWEEN $min_väsentlighet AND $max_väsentlighet
ORDER BY riskvärde DESC, risk COLLATE sv;
