-- title: Utredningar från {nämnd}
-- description: De utredningar en nämnd föreslagit, med hantering och samordnare.
-- aliases: vilka utredningar har föreslagit; utredningar från; nämndens utredningar; förslag från nämnden
-- param: nämnd text = Kommunstyrelsen | in (SELECT DISTINCT nämnd FROM utredningar) | Nämnd
-- source: Sveriges mest effektiva kommun: Kommunövergripande effektiviseringsåtgärder och utredningar
SELECT utredning, samordnas_av, prioriterad, hantering, källrad
FROM utredningar
WHERE nämnd = $nämnd
ORDER BY utredning_id;
