-- title: Förändring av {post} för {enhet} {från}–{till}
-- description: Hur en post i driftbudgeten förändras mellan två år, med dokumentets egen förklaring (texten förklarar budget {meta.budget_year - 1} mot {meta.budget_year}). Förändringen räknas med tabellens tecken: en kostnad som ökar blir mer negativ (−2,0 mnkr när texten säger »ökar med 2,0 mnkr«).
-- aliases: förändring mellan åren; hur mycket ökar; hur mycket minskar; ökning; minskning; skillnad mellan; varför ökar; förklaring till förändringen; jämfört med föregående år
-- param: post text = Kommunbidrag | in (SELECT DISTINCT post FROM drift) | Post
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- param: från int = meta.budget_year - 1 | in (SELECT DISTINCT år FROM drift) | Från år
-- param: till int = meta.budget_year | in (SELECT DISTINCT år FROM drift) | Till år
-- check: från <= till
-- source: Nämndens budget: Ekonomiska ramar och texten under tabellen
-- The text under each table explains the latest budget year against the year before: its words
-- are shown only for those two years, with the text's own figure and whether the table agrees.
WITH a AS (SELECT * FROM drift WHERE enhet = $enhet AND post = $post AND år = $från),
     b AS (SELECT * FROM drift WHERE enhet = $enhet AND post = $post AND år = $till),
     explained AS (SELECT $från = $till - 1
                          AND $till = (SELECT max(år) FROM drift WHERE budgettyp = 'Budget') AS yes),
     -- the lines from this table to the next one: where its explanation stands
     block AS (SELECT (SELECT max(källrad) FROM drift WHERE tabell = (SELECT tabell FROM b)) AS first,
                      coalesce((SELECT min(d.källrad) FROM drift d
                                WHERE d.källrad > (SELECT max(källrad) FROM drift
                                                   WHERE tabell = (SELECT tabell FROM b))),
                               2147483647) AS last),
     claim AS (SELECT c.* FROM påståenden c, block, b
               WHERE c.källrad > block.first AND c.källrad < block.last
                 AND lower(c.påstående) LIKE '%' || lower(left(b.post, length(b.post) - 1)) || '%'
                 AND lower(c.påstående) SIMILAR TO '.*(ökar|minskar|oförändrat).*'
                 AND (SELECT yes FROM explained))
SELECT b.post, a.belopp_tkr AS belopp_från_tkr, b.belopp_tkr AS belopp_till_tkr,
       b.belopp_tkr - a.belopp_tkr AS förändring_tkr,
       mnkr(b.belopp_tkr - a.belopp_tkr) AS förändring_mnkr,
       (SELECT string_agg(påstående, ' ') FROM claim) AS texten_säger,
       (SELECT bool_and(CASE enhet WHEN 'mnkr' THEN round(abs(b.belopp_tkr - a.belopp_tkr) / 1000.0, decimaler)
                                   ELSE abs(b.belopp_tkr - a.belopp_tkr) END = värde)
          FROM claim) AS tabellen_stämmer_med_texten,
       (SELECT string_agg(t.text, ' ' ORDER BY t.avsnitt_id) FROM avsnitt t
         WHERE (SELECT yes FROM explained) AND t.rubrik = b.tabell
           AND (t.avsnitt_id IN (SELECT h.avsnitt_id FROM avsnitt h
                                 WHERE h.rubrik = b.tabell
                                   AND lower(h.text) LIKE '%' || lower(left(b.post, length(b.post) - 1)) || '%'
                                   AND lower(h.text) SIMILAR TO '.*(ökar|minskar|oförändrat|tilldelas).*')
                -- the bullet points that follow an explanation ending in a colon
                OR (t.punkt AND EXISTS (
                      SELECT 1 FROM avsnitt h
                      WHERE h.rubrik = b.tabell AND h.avsnitt_id < t.avsnitt_id
                        AND rtrim(h.text) LIKE '%:'
                        AND lower(h.text) LIKE '%' || lower(left(b.post, length(b.post) - 1)) || '%'
                        AND NOT EXISTS (SELECT 1 FROM avsnitt x
                                        WHERE x.avsnitt_id > h.avsnitt_id AND x.avsnitt_id < t.avsnitt_id
                                          AND NOT x.punkt))))) AS dokumentets_förklaring,
       b.källrad
FROM a JOIN b USING (post);
