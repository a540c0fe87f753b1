-- title: {post} för {enhet} {från}–{till}
-- description: En post i driftbudgeten (t.ex. Personalkostnader, Kommunbidrag, Årets resultat) år för år, i tkr.
-- aliases: post per år; hur mycket är; vad är; belopp för posten; hur stora är; kostnaderna för; intäkterna för; vad låg på
-- param: post text = Verksamhetens nettokostnader | in (SELECT DISTINCT post FROM drift) | Post
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- param: från int = first(drift.år) | in (SELECT DISTINCT år FROM drift) | Första år
-- param: till int = last(drift.år) | in (SELECT DISTINCT år FROM drift) | Sista år
-- check: från <= till
-- source: Nämndens budget: Ekonomiska ramar
-- chart: bar x=år y=belopp_tkr
SELECT post, år, budgettyp, belopp_tkr, mnkr(belopp_tkr) AS belopp_mnkr, källrad
FROM drift
WHERE post = $post AND enhet = $enhet AND år BETWEEN $från AND $till
ORDER BY år;
