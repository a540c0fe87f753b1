-- title: Utredningar per samordnare
-- description: Vem som samordnar de kommunövergripande utredningarna och hur många var.
-- aliases: utredningar per samordnare; vem samordnar utredningarna; samordnare; vem ansvarar för utredningarna; vilka samordnar
-- source: Sveriges mest effektiva kommun: Kommunövergripande effektiviseringsåtgärder och utredningar
-- chart: bar x=samordnare y=antal
SELECT s.samordnare, count(*) AS antal, string_agg(u.utredning, '; ' ORDER BY u.utredning_id) AS utredningar
FROM utredningar u, unnest(string_split(u.samordnas_av, '; ')) AS s(samordnare)
WHERE u.samordnas_av IS NOT NULL
GROUP BY s.samordnare
ORDER BY antal DESC, s.samordnare COLLATE sv;
