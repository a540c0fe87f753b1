-- title: {post} {från}–{till}
-- description: Ett investeringsobjekt, en kategori eller Totala utgifter år för år, med förändring mot året före, summa och genomsnitt över åren.
-- aliases: hur mycket läggs på; investering i; hur mycket investeras i; budget för objektet; investeringar för; sammanlagt för objektet; snitt för objektet; skillnad mellan åren för objektet; objektet per år; år för år
-- param: post text = Bälinge företagspark | in (SELECT DISTINCT post FROM investeringar) | Objekt eller kategori
-- param: från int = first(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Första år
-- param: till int = last(investeringar.år) | in (SELECT DISTINCT år FROM investeringar) | Sista år
-- check: från <= till
-- source: Nämndens budget: Investeringsbudget
-- chart: bar x=år y=belopp_tkr
SELECT post, år, budgettyp, belopp_tkr, mnkr(belopp_tkr) AS belopp_mnkr,
       belopp_tkr - lag(belopp_tkr) OVER (ORDER BY år) AS förändring_tkr,
       sum(belopp_tkr) OVER () AS summa_tkr_alla_år,
       round(avg(belopp_tkr) OVER ()) AS snitt_tkr_per_år,
       källrad
FROM investeringar
WHERE post = $post AND år BETWEEN $från AND $till
ORDER BY år;
