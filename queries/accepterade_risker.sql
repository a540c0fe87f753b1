-- title: Accepterade risker
-- description: Risker som kommunstyrelsen accepterar, dvs. som inte anses kräva utökade åtgärder eller kontroller under {meta.budget_year}.
-- aliases: risker som accepteras; accepterade risker; vilka risker accepteras; risker utan åtgärder; godtagna risker
-- source: Bilaga 2 – Risk och väsentlighetsanalys
SELECT risk, sannolikhet, väsentlighet, riskvärde, internkontroll_2024, källrad
FROM risker
WHERE accepteras
ORDER BY riskvärde DESC, risk COLLATE sv;
