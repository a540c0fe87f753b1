-- title: Risker som ingick i internkontrollplanen {meta.budget_year - 1}
-- description: Risker som enligt Bilaga 2 ingick i kommunstyrelsens plan för internkontroll {meta.budget_year - 1}.
-- aliases: internkontroll förra året; förra årets internkontrollplan; risker i förra årets plan
-- source: Bilaga 2 – Risk och väsentlighetsanalys
SELECT risk, riskvärde, accepteras, risk_id IN (SELECT risk_id FROM internkontroll) AS har_kontroll, källrad
FROM risker
WHERE internkontroll_2024
ORDER BY riskvärde DESC, risk COLLATE sv;
