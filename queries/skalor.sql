-- title: Skalor för sannolikhet och väsentlighet
-- description: Vad nivåerna 1–4 betyder för sannolikhet och väsentlighet i riskanalysen.
-- aliases: skalor; vad betyder sannolikhet; vad betyder väsentlighet; vad innebär sannolikhet; vad innebär väsentlighet; förklaring av riskvärde; nivåer; sannolikhetsskalan; väsentlighetsskalan
-- source: Bilaga 2 – Risk och väsentlighetsanalys: Förklaring
SELECT skala, nivå, benämning, beskrivning, källrad
FROM skalor
ORDER BY skala, nivå;
