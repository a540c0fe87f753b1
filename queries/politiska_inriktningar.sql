-- title: Politiska inriktningar 2025
-- description: Kommunstyrelsens tre politiska inriktningar för 2025.
-- aliases: politiska inriktningar; inriktningar; politiska prioriteringar; politikens mål; vad vill politiken; prioriterade områden
-- source: Politiska inriktningar
SELECT nr, inriktning, beskrivning, källrad
FROM inriktningar
ORDER BY nr;
