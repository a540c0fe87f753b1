-- title: Investeringar per kategori {från}–{till}
-- description: Investeringsutgifter per kategori (expansion, image, reinvestering, anpassning), summerat över åren.
-- aliases: investeringar per kategori; investeringskategorier; fördelning på kategorier; expansionsinvesteringar reinvesteringar anpassningsinvesteringar
-- param: från int = first(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=kategori y=summa_tkr
SELECT post AS kategori, sum(belopp_tkr) AS summa_tkr, mnkr(sum(belopp_tkr)) AS summa_mnkr,
       min(källrad) AS källrad
FROM investeringar
WHERE nivå = 'kategori' AND år BETWEEN $från AND $till
GROUP BY post, ordning
ORDER BY ordning;
