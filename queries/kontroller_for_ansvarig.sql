-- title: Kontroller som {ansvarig} ansvarar för
-- description: Kontrollmomenten i internkontrollplanen {meta.budget_year} för en ansvarig roll, med metod.
-- aliases: vad ansvarar för; vilka kontroller har; kontroller för; ansvarig för kontrollerna
-- param: ansvarig text = Ekonomichef | in (SELECT DISTINCT ansvarig FROM internkontroll) | Ansvarig roll
-- source: Bilaga 1 – Internkontrollplan {meta.budget_year}
SELECT risk, riskvärde, metod, källrad
FROM internkontroll
WHERE ansvarig = $ansvarig
ORDER BY riskvärde DESC, risk COLLATE sv;
