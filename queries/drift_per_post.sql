-- title: Driftbudget per post och år för {enhet}
-- description: Ekonomiska ramar budget och plan {first(drift.år)}–{last(drift.år)}: varje post år för år, i tkr.
-- aliases: driftbudget per post och år; drift per år; ekonomiska ramar per år; alla poster per år; hela driftbudgeten
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- source: Nämndens budget: Ekonomiska ramar
-- chart: line x=år y=belopp_tkr series=post
SELECT post, år, budgettyp, belopp_tkr, källrad
FROM drift
WHERE enhet = $enhet
ORDER BY ordning, år;
