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
voted AS (
    SELECT enterprise_id, arg_min(name, (-records, best_rank, length(name), name)) AS name
    FROM name_votes
    GROUP BY enterprise_id
),
named AS (
    SELECT
        enterprise_id,
        list_sort(list_distinct(list(name))) AS all_names,
        first(address ORDER BY name_rank, record_id) FILTER (WHERE address IS NOT NULL) AS address,
        -- a provisional enterprise (`P-…`, no code yet) is placed where its records place it
        CASE WHEN enterprise_id LIKE 'P-%'
             THEN first(region_code ORDER BY name_rank, record_id) FILTER (WHERE region_code IS NOT NULL)
             ELSE substr(enterprise_id, 3, 6) END AS region_code
    FROM linked
    GROUP BY enterprise_id
),
-- each mart aggregated once per enterprise, not once per figure
permit_figures AS (
    SELECT enterprise_id, first(industry ORDER BY issued DESC, record_id) AS industry, count(*) AS permit_count
    FROM marts.permits WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id
),
penalty_figures AS (
    SELECT enterprise_id, count(*) AS penalty_count, coalesce(sum(fine_yuan), 0) AS fines_yuan,
           count(*) FILTER (WHERE serious AND decision_date >= current_date - INTERVAL 2 YEAR) AS serious_2y
    FROM marts.penalties WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id
),
rating_figures AS (
    SELECT enterprise_id, first(grade ORDER BY year DESC, record_id) AS credit_grade, max(year) AS credit_year,
           count(*) FILTER (WHERE serious AND year >= year(current_date) - 2) AS serious_ratings_2y
    FROM marts.credit_ratings WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id
),
plant_figures AS (
    SELECT enterprise_id, count(*) AS plant_count FROM marts.plants WHERE enterprise_id IS NOT NULL GROUP BY ALL
),
audit_figures AS (
    SELECT enterprise_id, max(year) AS cleaner_production_year
    FROM marts.cleaner_production WHERE enterprise_id IS NOT NULL GROUP BY ALL
),
exceedance_figures AS (
    SELECT enterprise_id, count(*) AS exceedance_count
    FROM marts.monitoring_values WHERE enterprise_id IS NOT NULL AND exceeded GROUP BY ALL
)
SELECT
    -- ids
    n.enterprise_id,
    CASE WHEN n.enterprise_id LIKE 'P-%' THEN NULL ELSE n.enterprise_id END AS uscc,
    -- names
    v.name,
    list_filter(n.all_names, lambda x: x <> v.name) AS aliases,
    -- places: the registering authority's division code, positions 3-8 of the USCC
    n.region_code,
    reg.province,
    reg.city,
    reg.county,
    n.address,
    -- classification
    pe.industry,
    -- counts
    coalesce(pe.permit_count, 0) AS permit_count,
    coalesce(pn.penalty_count, 0) AS penalty_count,
    coalesce(pn.fines_yuan, 0) AS fines_yuan,
    -- serious records of the last two years: penalties, and red/black (or yellow-for-pollution) ratings
    coalesce(pn.serious_2y, 0) + coalesce(r.serious_ratings_2y, 0) AS serious_2y,
    coalesce(pl.plant_count, 0) AS plant_count,
    -- the latest credit rating, and whether the enterprise is on a compulsory audit list
    r.credit_grade,
    r.credit_year,
    coalesce(r.serious_ratings_2y, 0) AS serious_ratings_2y,
    a.cleaner_production_year,
    coalesce(x.exceedance_count, 0) AS exceedance_count
FROM named n
JOIN voted v USING (enterprise_id)
LEFT JOIN seeds.regions reg ON reg.code = n.region_code
LEFT JOIN permit_figures pe USING (enterprise_id)
LEFT JOIN penalty_figures pn USING (enterprise_id)
LEFT JOIN rating_figures r USING (enterprise_id)
LEFT JOIN plant_figures pl USING (enterprise_id)
LEFT JOIN audit_figures a USING (enterprise_id)
LEFT JOIN exceedance_figures x USING (enterprise_id)
ORDER BY n.enterprise_id
