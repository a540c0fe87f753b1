-- title: Utredningar som inte prioriteras
-- description: Utredningar som bedöms som inte prioriterade i förhållande till övriga.
-- aliases: ej prioriterade utredningar; utredningar som inte prioriteras; nedprioriterade utredningar; vad prioriteras bort
-- source: Sveriges mest effektiva kommun: Kommunövergripande effektiviseringsåtgärder och utredningar
SELECT nämnd, utredning, hantering, källrad
FROM utredningar
WHERE NOT prioriterad
ORDER BY utredning_id;
