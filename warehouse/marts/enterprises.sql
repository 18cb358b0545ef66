-- One row per enterprise: every record linked to a valid USCC, named by the most authoritative source.
WITH linked AS (
    SELECT l.enterprise_id, r.record_id, r.name, r.name_rank, r.address, r.kind, l.region_code
    FROM intermediate.record_links l
    JOIN intermediate.int_named_records r USING (record_id)
    WHERE l.enterprise_id IS NOT NULL
),
-- The name most records use; ties go to the most authoritative source, then to the shorter spelling
-- (a permit for a second site may carry the site's name, such as 某某有限公司（二厂区）).
name_votes AS (
    SELECT enterprise_id, name, count(*) AS records, min(name_rank) AS best_rank
    FROM linked
    GROUP BY enterprise_id, name
),
named AS (
    SELECT
        enterprise_id,
        (SELECT v.name FROM name_votes v WHERE v.enterprise_id = linked.enterprise_id
         ORDER BY v.records DESC, v.best_rank, length(v.name), v.name LIMIT 1) AS name,
        list_sort(list_distinct(list(name))) AS all_names,
        first(address ORDER BY name_rank, record_id) FILTER (WHERE address IS NOT NULL) AS address,
        -- a provisional enterprise (`P-…`, no code yet) is placed where its records place it
        CASE WHEN enterprise_id LIKE 'P-%'
             THEN first(region_code ORDER BY name_rank, record_id) FILTER (WHERE region_code IS NOT NULL)
             ELSE substr(enterprise_id, 3, 6) END AS region_code
    FROM linked
    GROUP BY enterprise_id
)
SELECT
    -- ids
    n.enterprise_id,
    CASE WHEN n.enterprise_id LIKE 'P-%' THEN NULL ELSE n.enterprise_id END AS uscc,
    -- names
    n.name,
    list_filter(n.all_names, lambda x: x <> n.name) AS aliases,
    -- places: the registering authority's division code, positions 3-8 of the USCC
    n.region_code,
    reg.province,
    reg.city,
    reg.county,
    n.address,
    -- classification
    (SELECT first(p.industry ORDER BY p.issued DESC, p.record_id) FROM marts.permits p WHERE p.enterprise_id = n.enterprise_id) AS industry,
    -- counts
    (SELECT count(*) FROM marts.permits p WHERE p.enterprise_id = n.enterprise_id) AS permit_count,
    (SELECT count(*) FROM marts.penalties p WHERE p.enterprise_id = n.enterprise_id) AS penalty_count,
    (SELECT coalesce(sum(p.fine_yuan), 0) FROM marts.penalties p WHERE p.enterprise_id = n.enterprise_id) AS fines_yuan,
    -- serious records of the last two years: penalties, and red/black (or yellow-for-pollution) ratings
    (SELECT count(*) FROM marts.penalties p WHERE p.enterprise_id = n.enterprise_id AND p.serious
        AND p.decision_date >= current_date - INTERVAL 2 YEAR)
    + (SELECT count(*) FROM marts.credit_ratings r WHERE r.enterprise_id = n.enterprise_id AND r.serious
        AND r.year >= year(current_date) - 2) AS serious_2y,
    (SELECT count(*) FROM marts.plants p WHERE p.enterprise_id = n.enterprise_id) AS plant_count,
    -- the latest credit rating, and whether the enterprise is on a compulsory audit list
    (SELECT first(r.grade ORDER BY r.year DESC, r.record_id) FROM marts.credit_ratings r
        WHERE r.enterprise_id = n.enterprise_id) AS credit_grade,
    (SELECT max(r.year) FROM marts.credit_ratings r WHERE r.enterprise_id = n.enterprise_id) AS credit_year,
    (SELECT count(*) FROM marts.credit_ratings r WHERE r.enterprise_id = n.enterprise_id AND r.serious
        AND r.year >= year(current_date) - 2) AS serious_ratings_2y,
    (SELECT max(c.year) FROM marts.cleaner_production c WHERE c.enterprise_id = n.enterprise_id)
        AS cleaner_production_year,
    (SELECT count(*) FROM marts.monitoring_values v WHERE v.enterprise_id = n.enterprise_id AND v.exceeded)
        AS exceedance_count
FROM named n
LEFT JOIN seeds.regions reg ON reg.code = n.region_code
ORDER BY n.enterprise_id
