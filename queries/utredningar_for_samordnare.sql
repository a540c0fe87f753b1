-- title: Utredningar som {samordnare} samordnar
-- description: De kommunövergripande utredningar som en avdelning eller förvaltning samordnar, med föreslående nämnd och hantering.
-- aliases: vilka utredningar samordnar; utredningar som samordnas av; vad samordnar; samordnade utredningar
-- param: samordnare text = Ekonomiavdelningen | in (SELECT DISTINCT unnest(string_split(samordnas_av, '; ')) FROM utredningar) | Samordnare
-- source: Sveriges mest effektiva kommun: Kommunövergripande effektiviseringsåtgärder och utredningar
SELECT utredning, nämnd, samordnas_av, hantering, källrad
FROM utredningar
WHERE list_contains(string_split(samordnas_av, '; '), $samordnare)
ORDER BY utredning_id;
