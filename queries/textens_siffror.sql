-- title: Sifferuppgifter i texten
-- description: Påståenden med siffror i löptexten och värdet som tabellerna ger (kör ksquery check för avvikelser).
-- aliases: påståenden; siffror i texten; textens påståenden; stämmer siffrorna; sifferuppgifter
-- source: Löptexten (Nämndens budget m.fl.)
SELECT påstående_id, påstående, värde, enhet, avsnitt, källrad
FROM påståenden
ORDER BY källrad;
