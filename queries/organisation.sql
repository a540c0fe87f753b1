-- title: Organisationen och dess fokus {meta.budget_year}
-- description: Förvaltningar, avdelningar och enheter under kommunstyrelsen med uppdrag och fokus under {meta.budget_year}.
-- aliases: organisation; organisationen; avdelningar; enheter; förvaltningar; fokus under året; vad ska avdelningarna fokusera på; kommunledningskontoret
-- source: Kommunstyrelsens verksamhet
SELECT namn, typ, överordnad, fokus_2025, källrad_från AS källrad
FROM organisation
ORDER BY källrad_från, namn COLLATE sv;
