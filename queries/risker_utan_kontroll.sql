-- title: Risker med riskvärde minst {min_värde} utan kontroll i internkontrollplanen
-- description: Risker i risk- och väsentlighetsanalysen (Bilaga 2) med minst det riskvärdet som saknar kontrollmoment i internkontrollplanen {meta.budget_year} (Bilaga 1).
-- aliases: risker utan kontroll; okontrollerade risker; risker som saknar kontroll; risker med värde utan kontroll; vilka risker saknar kontroll; höga risker utan kontrollmoment; risker utan åtgärd i internkontrollplanen
-- param: min_värde int = 6 | in 1..16 | Lägsta riskvärde
-- source: Bilaga 2 – Risk och väsentlighetsanalys; Bilaga 1 – Internkontrollplan {meta.budget_year}
-- chart: bar x=risk y=riskvärde
SELECT risk, sannolikhet, väsentlighet, riskvärde, accepteras, hantering, källrad
FROM risker
WHERE riskvärde >= $min_värde
  AND risk_id NOT IN (SELECT risk_id FROM internkontroll)
ORDER BY riskvärde DESC, risk COLLATE sv;
