-- title: {namn}: uppdrag och fokus {meta.budget_year}
-- description: En förvaltning, avdelning eller enhet under kommunstyrelsen: vad den gör, vad som ligger under den och dess fokus under {meta.budget_year}, med dokumentets ord.
-- aliases: vad gör; vad arbetar med; uppdrag för; vad ansvarar för; fokus för; vad ska fokusera på; beskriv avdelningen; beskriv enheten; vilka avdelningar finns på; vilka enheter finns under
-- param: namn text = Kommunledningskontoret | in (SELECT namn FROM organisation) | Förvaltning, avdelning eller enhet
-- source: Kommunstyrelsens verksamhet
SELECT o.namn, o.typ, o.överordnad,
       (SELECT string_agg(u.namn, '; ' ORDER BY u.källrad_från) FROM organisation u
         WHERE u.överordnad = o.namn) AS underordnade,
       o.uppdrag, o.fokus_2025, o.källrad_från AS källrad
FROM organisation o
WHERE o.namn = $namn;
