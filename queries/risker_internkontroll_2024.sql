-- title: Risker som ingick i internkontrollplanen 2024
-- description: Risker som enligt Bilaga 2 ingick i kommunstyrelsens plan för internkontroll 2024.
-- aliases: internkontroll 2024; förra årets internkontrollplan; risker i planen 2024
-- source: Bilaga 2 – Risk och väsentlighetsanalys
SELECT risk, riskvärde, accepteras, risk_id IN (SELECT risk_id FROM internkontroll) AS kontroll_2025, källrad
FROM risker
WHERE internkontroll_2024
ORDER BY riskvärde DESC, risk COLLATE sv;
