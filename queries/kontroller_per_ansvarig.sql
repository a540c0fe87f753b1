-- title: Kontroller per ansvarig
-- description: Hur många kontrollmoment i internkontrollplanen {meta.budget_year} varje ansvarig roll har, och vilka.
-- aliases: kontroller per ansvarig; vem ansvarar för kontrollerna; ansvariga för internkontrollen; kontrollansvar; vem är ansvarig
-- source: Bilaga 1 – Internkontrollplan {meta.budget_year}
-- chart: bar x=ansvarig y=antal
SELECT ansvarig, count(*) AS antal, string_agg(risk, '; ' ORDER BY risk COLLATE sv) AS kontroller
FROM internkontroll
GROUP BY ansvarig
ORDER BY antal DESC, ansvarig COLLATE sv;
