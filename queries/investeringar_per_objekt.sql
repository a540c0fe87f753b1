-- title: Investeringar per objekt {från}–{till}
-- description: Investeringsutgifter per objekt (Bälinge företagspark, Stadsskogen, Fastigheter …), summerat över åren.
-- aliases: investeringar per objekt; investeringsobjekt; vilka objekt investeras i; investeringsprojekt
-- param: från int = first(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=objekt y=summa_tkr
SELECT post AS objekt, kategori, sum(belopp_tkr) AS summa_tkr, mnkr(sum(belopp_tkr)) AS summa_mnkr,
       min(källrad) AS källrad
FROM investeringar
WHERE nivå = 'objekt' AND år BETWEEN $från AND $till
GROUP BY post, kategori, ordning
ORDER BY ordning;
