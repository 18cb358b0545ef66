-- One row per enterprise: every record linked to a valid USCC, named by the most authoritative source.
WITH linked AS (
    SELECT l.enterprise_id, r.record_id, r.name, r.name_rank, r.address, r.kind
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
        first(address ORDER BY name_rank, record_id) FILTER (WHERE address IS NOT NULL) AS address
    FROM linked
    GROUP BY enterprise_id
)
SELECT
    -- ids
    n.enterprise_id,
    n.enterprise_id AS uscc,
    -- names
    n.name,
    list_filter(n.all_names, lambda x: x <> n.name) AS aliases,
    -- places: the registering authority's division code, positions 3-8 of the USCC
    substr(n.enterprise_id, 3, 6) AS region_code,
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
    (SELECT count(*) FROM marts.penalties p WHERE p.enterprise_id = n.enterprise_id AND p.serious
        AND p.decision_date >= current_date - INTERVAL 2 YEAR) AS serious_2y,
    (SELECT count(*) FROM marts.plants p WHERE p.enterprise_id = n.enterprise_id) AS plant_count,
    (SELECT count(*) FROM marts.monitoring_values v WHERE v.enterprise_id = n.enterprise_id AND v.exceeded)
        AS exceedance_count
FROM named n
LEFT JOIN seeds.regions reg ON reg.code = substr(n.enterprise_id, 3, 6)
ORDER BY n.enterprise_id
