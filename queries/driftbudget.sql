-- title: Driftbudget för {enhet} {år}
-- description: Ekonomiska ramar: alla poster för ett år, med summeringsrader, i tkr.
-- aliases: driftbudget; ekonomiska ramar; driftsram; budgeten för året; resultaträkning; intäkter och kostnader
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- param: år int = meta.budget_year | in (SELECT DISTINCT år FROM drift) | År
-- source: Nämndens budget: Ekonomiska ramar
-- chart: bar x=post y=belopp_tkr
SELECT post, radtyp, budgettyp, belopp_tkr, källrad
FROM drift
WHERE enhet = $enhet AND år = $år
ORDER BY ordning;
