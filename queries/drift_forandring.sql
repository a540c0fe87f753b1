-- title: Förändring av {post} för {enhet} {från}–{till}
-- description: Hur en post i driftbudgeten förändras mellan två år, med dokumentets egen förklaring (texten förklarar budget {meta.budget_year - 1} mot {meta.budget_year}). Förändringen räknas med tabellens tecken: en kostnad som ökar blir mer negativ (−2,0 mnkr när texten säger »ökar med 2,0 mnkr«).
-- aliases: förändring mellan åren; hur mycket ökar; hur mycket minskar; ökning; minskning; skillnad mellan; varför ökar; förklaring till förändringen; jämfört med föregående år
-- param: post text = Kommunbidrag | in (SELECT DISTINCT post FROM drift) | Post
-- param: enhet text = kommunstyrelsen | in (SELECT DISTINCT enhet FROM drift) | Enhet
-- param: från int = meta.budget_year - 1 | in (SELECT DISTINCT år FROM drift) | Från år
-- param: till int = meta.budget_year | in (SELECT DISTINCT år FROM drift) | Till år
-- check: från <= till
-- source: Nämndens budget: Ekonomiska ramar och texten under tabellen
WITH a AS (SELECT * FROM drift WHERE enhet = $enhet AND post = $post AND år = $från),
     b AS (SELECT * FROM drift WHERE enhet = $enhet AND post = $post AND år = $till)
SELECT b.post, a.belopp_tkr AS belopp_från_tkr, b.belopp_tkr AS belopp_till_tkr,
       b.belopp_tkr - a.belopp_tkr AS förändring_tkr,
       mnkr(b.belopp_tkr - a.belopp_tkr) AS förändring_mnkr,
       (SELECT string_agg(t.text, ' ' ORDER BY t.avsnitt_id) FROM avsnitt t
         WHERE t.rubrik = b.tabell
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
