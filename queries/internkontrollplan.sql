-- title: Internkontrollplan 2025
-- description: Alla kontrollmoment i internkontrollplanen 2025 med risk, riskvärde, metod och ansvarig.
-- aliases: internkontrollplan; internkontroll; kontrollmoment; vilka kontroller görs; kontrollplan; granskningar 2025; åtgärder i internkontrollen
-- source: Bilaga 1 – Internkontrollplan 2025
SELECT risk, riskvärde, metod, ansvarig, källrad
FROM internkontroll
ORDER BY riskvärde DESC, risk COLLATE sv;
