-- title: Total investeringsplan {från}–{till}
-- description: Summan av de totala investeringsutgifterna över en följd av år (dokumentet anger 619,7 mnkr för 2025–2029).
-- aliases: total investeringsplan; genomsnittlig investeringsnivå; investeringar i genomsnitt; investeringsplanen totalt; sammanlagda investeringar; summa investeringar; hur mycket investeras totalt; investeringar sammanlagt
-- param: från int = 2025 | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = 2029 | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- source: Nämndens budget: Investeringsbudget
SELECT min(år) AS från, max(år) AS till, sum(belopp_tkr) AS summa_tkr,
       mnkr(sum(belopp_tkr)) AS summa_mnkr,
       mnkr(avg(belopp_tkr)) AS genomsnitt_mnkr_per_år,
       round(avg(belopp_tkr)) AS genomsnitt_tkr_per_år
FROM investeringar
WHERE nivå = 'totalt' AND år BETWEEN $från AND $till;
