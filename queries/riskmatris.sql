-- title: Riskmatris: sannolikhet × väsentlighet
-- description: Antal risker i varje ruta av riskmatrisen, med riskvärde och hur många som har kontroll i internkontrollplanen {meta.budget_year}.
-- aliases: riskmatris; riskmatrisen; sannolikhet och väsentlighet; fördelning av risker; risker per riskvärde; antal risker per nivå
-- source: Bilaga 2 – Risk och väsentlighetsanalys; Bilaga 1 – Internkontrollplan {meta.budget_year}
-- chart: matrix x=sannolikhet y=väsentlighet count=antal_risker marked=med_kontroll levels=1..4 title="Riskmatris: antal risker (varav med kontroll)" legend="Riskvärde = sannolikhet × väsentlighet; (k) = antal med kontroll i internkontrollplanen {meta.budget_year}"
SELECT sannolikhet, väsentlighet, sannolikhet * väsentlighet AS riskvärde,
       count(*) AS antal_risker,
       count(*) FILTER (WHERE risk_id IN (SELECT risk_id FROM internkontroll)) AS med_kontroll,
       string_agg(risk, '; ' ORDER BY risk COLLATE sv) AS risker
FROM risker
GROUP BY sannolikhet, väsentlighet
ORDER BY riskvärde DESC, sannolikhet DESC;
