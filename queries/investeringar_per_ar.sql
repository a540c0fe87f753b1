-- title: Investeringar per år {från}–{till}
-- description: Totala investeringsutgifter per år enligt investeringsbudgeten, i tkr och mnkr.
-- aliases: investeringar per år; investeringsbudget per år; investeringsnivå; hur mycket investeras varje år; investeringsutgifter per år; totala utgifter
-- param: från int = first(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=år y=belopp_tkr
SELECT år, budgettyp, belopp_tkr, mnkr(belopp_tkr) AS belopp_mnkr, källrad
FROM investeringar
WHERE nivå = 'totalt' AND år BETWEEN $från AND $till
ORDER BY år;
