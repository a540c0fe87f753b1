-- title: Utredningar per nämnd
-- description: Antal kommunövergripande effektiviseringsutredningar per föreslående nämnd, och hur många som prioriteras.
-- aliases: utredningar per nämnd; effektiviseringsutredningar; hur många utredningar; effektiviseringsåtgärder per nämnd; nämndernas förslag
-- source: Sveriges mest effektiva kommun: Kommunövergripande effektiviseringsåtgärder och utredningar
-- chart: bar x=nämnd y=antal
SELECT nämnd, count(*) AS antal, count(*) FILTER (WHERE prioriterad) AS prioriterade,
       string_agg(utredning, '; ' ORDER BY utredning_id) AS utredningar
FROM utredningar
GROUP BY nämnd
ORDER BY antal DESC, nämnd COLLATE sv;
