-- title: Organisationen och dess fokus 2025
-- description: Förvaltningar, avdelningar och enheter under kommunstyrelsen med uppdrag och fokus under 2025.
-- aliases: organisation; organisationen; avdelningar; enheter; förvaltningar; fokus 2025; vad ska avdelningarna fokusera på; kommunledningskontoret
-- source: Kommunstyrelsens verksamhet
SELECT namn, typ, överordnad, fokus_2025, källrad_från AS källrad
FROM organisation
ORDER BY källrad_från, namn COLLATE sv;
