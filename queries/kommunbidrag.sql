-- title: Kommunbidrag per år
-- description: Kommunbidraget till kommunstyrelsen och exploateringsenheten per år, med förändring mot föregående år.
-- aliases: kommunbidrag per år; kommunbidraget; anslag; ramen från fullmäktige; hur stort är kommunbidraget; kommunbidrag
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- source: Nämndens budget: Ekonomiska ramar
-- chart: bar x=år y=kommunbidrag_tkr
SELECT år, budgettyp, belopp_tkr AS kommunbidrag_tkr,
       belopp_tkr - lag(belopp_tkr) OVER (ORDER BY år) AS förändring_tkr,
       mnkr(belopp_tkr) AS kommunbidrag_mnkr, källrad
FROM drift
WHERE post = 'Kommunbidrag' AND enhet = $enhet
ORDER BY år;
