-- title: Internkontrollplan {meta.budget_year}
-- description: Alla kontrollmoment i internkontrollplanen {meta.budget_year} med risk, riskvärde, metod och ansvarig.
-- aliases: internkontrollplan; internkontroll; kontrollmoment; vilka kontroller görs; kontrollplan; årets granskningar; åtgärder i internkontrollen
-- source: Bilaga 1 – Internkontrollplan {meta.budget_year}
SELECT risk, riskvärde, metod, ansvarig, källrad
FROM internkontroll
ORDER BY riskvärde DESC, risk COLLATE sv;
