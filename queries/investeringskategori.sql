-- title: Vad ingår i {kategori} {från}–{till}
-- description: Objekten i en investeringskategori med summa över åren, och kategorins egen rad som dokumentet anger den (den kan avvika från objektens summa, se ksquery check).
-- aliases: vad ingår i; vilka objekt finns i; innehåll i kategorin; objekt i kategorin; vad består av
-- param: kategori text = Reinvesteringar | in (SELECT DISTINCT kategori FROM investeringar) | Kategori
-- param: från int = first(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=post y=summa_tkr
SELECT post, nivå, sum(belopp_tkr) AS summa_tkr, mnkr(sum(belopp_tkr)) AS summa_mnkr, min(källrad) AS källrad
FROM investeringar
WHERE kategori = $kategori AND år BETWEEN $från AND $till
GROUP BY post, nivå, ordning
ORDER BY ordning;
