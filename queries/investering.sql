-- title: {post} {från}–{till}
-- description: Ett investeringsobjekt, en kategori eller Totala utgifter år för år, med summan över åren.
-- aliases: hur mycket läggs på; investering i; hur mycket investeras i; budget för objektet; investeringar för; sammanlagt för objektet
-- param: post text = Bälinge företagspark | in (SELECT DISTINCT post FROM investeringar) | Objekt eller kategori
-- param: från int = 2024 | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = 2029 | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=år y=belopp_tkr
SELECT post, år, budgettyp, belopp_tkr, mnkr(belopp_tkr) AS belopp_mnkr,
       sum(belopp_tkr) OVER () AS summa_tkr_alla_år, källrad
FROM investeringar
WHERE post = $post AND år BETWEEN $från AND $till
ORDER BY år;
