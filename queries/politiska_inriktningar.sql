-- title: Politiska inriktningar {meta.budget_year}
-- description: Kommunstyrelsens tre politiska inriktningar för {meta.budget_year}.
-- aliases: politiska inriktningar; inriktningar; politiska prioriteringar; politikens mål; vad vill politiken; prioriterade områden
-- source: Politiska inriktningar
SELECT nr, inriktning, beskrivning, källrad
FROM inriktningar
ORDER BY nr;
