-- title: Total investeringsplan {från}–{till}
-- description: Summan av de totala investeringsutgifterna över en följd av år (som standard från budgetåret {meta.budget_year} till planens sista år {last(investeringar.år)}, som dokumentets totala investeringsplan).
-- aliases: total investeringsplan; genomsnittlig investeringsnivå; investeringar i genomsnitt; investeringsplanen totalt; sammanlagda investeringar; summa investeringar; hur mycket investeras totalt; investeringar sammanlagt
-- param: från int = meta.budget_year | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
SELECT min(år) AS från, max(år) AS till, sum(belopp_tkr) AS summa_tkr,
       mnkr(sum(belopp_tkr)) AS summa_mnkr,
       mnkr(avg(belopp_tkr)) AS genomsnitt_mnkr_per_år,
       round(avg(belopp_tkr)) AS genomsnitt_tkr_per_år
FROM investeringar
WHERE nivå = 'totalt' AND år BETWEEN $från AND $till;
