-- title: Arbetsmiljömål {meta.budget_year}
-- description: Kommunstyrelsens arbetsmiljömål, hur det följs upp och med vilket nyckeltal.
-- aliases: arbetsmiljömål; arbetsmiljö; arbetsmiljömålet; hur följs arbetsmiljön upp; pulsmätningen; arbetsbelastning; sjukfrånvaro
-- source: Arbetsmiljö och sjukfrånvaro
SELECT mål, uppföljning, nyckeltal, källrad
FROM arbetsmiljomal;
