-- title: Kontroll av {risk}
-- description: Kontrollmetod och ansvarig för en risk i internkontrollplanen {meta.budget_year}.
-- aliases: vem ansvarar för kontrollen av; hur kontrolleras; kontrollen av; vem är ansvarig för; vilken metod används för
-- param: risk text = Felaktiga löneutbetalningar | in (SELECT risk FROM risker) | Risk
-- source: Bilaga 1 – Internkontrollplan {meta.budget_year}
SELECT r.risk, k.metod, k.ansvarig, k.riskvärde, coalesce(k.källrad, r.källrad) AS källrad,
       CASE WHEN k.risk_id IS NULL THEN 'Ingen kontroll i internkontrollplanen' END AS anmärkning
FROM risker r LEFT JOIN internkontroll k USING (risk_id)
WHERE r.risk = $risk;
