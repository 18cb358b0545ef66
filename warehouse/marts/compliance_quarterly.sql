-- A compliance status per enterprise (scope 'enterprise') and per outlet (scope 'outlet') for each of the
-- last quarters before an as-of day: no_data (no valid value in the quarter), compliant, exceedance (at least
-- one exceedance day) or serious (exceedance days or the largest exceedance multiple at a threshold).
-- The as-of day, the number of quarters and the thresholds are in warehouse/seeds/compliance_settings.csv;
-- an empty as_of means the latest measured_at. Values not tied to an enterprise (HJ 212 loggers) are left out.
WITH setting AS (
    SELECT
        coalesce(TRY_CAST(max(value) FILTER (WHERE setting = 'as_of') AS DATE),
                 (SELECT CAST(max(measured_at) AS DATE) FROM marts.outlet_values)) AS as_of,
        CAST(max(value) FILTER (WHERE setting = 'quarters') AS INTEGER) AS quarters,
        CAST(max(value) FILTER (WHERE setting = 'serious_exceedance_days') AS INTEGER) AS serious_days,
        CAST(max(value) FILTER (WHERE setting = 'serious_multiple') AS DOUBLE) AS serious_multiple
    FROM seeds.compliance_settings
),
quarter AS (
    SELECT CAST(date_trunc('quarter', s.as_of) - to_months(CAST(3 * n AS INTEGER)) AS DATE) AS quarter_start
    FROM setting s, range(s.quarters) t(n)
),
outlet_day AS (
    SELECT enterprise_id, source, outlet_ref, day,
           min(national_code) AS national_code, min(outlet_label) AS outlet_label,
           bool_or(exceeded) AS exceeded, bool_or(flagged) AS flagged,
           bool_or(flag_class = 'ok' AND value IS NOT NULL) AS measured,
           count(*) FILTER (WHERE exceeded) AS exceedances, max(exceedance_multiple) AS max_multiple
    FROM marts.outlet_values
    WHERE enterprise_id IS NOT NULL
    GROUP BY ALL
),
day_unit AS (
    SELECT 'outlet' AS scope, enterprise_id, source, outlet_ref, day, exceeded, flagged, measured, exceedances,
           max_multiple
    FROM outlet_day
    UNION ALL
    SELECT 'enterprise', enterprise_id, NULL, NULL, day, bool_or(exceeded), bool_or(flagged), bool_or(measured),
           sum(exceedances), max(max_multiple)
    FROM outlet_day
    GROUP BY enterprise_id, day
),
-- every unit from the one pass over the values above, not two more
unit AS (
    SELECT 'outlet' AS scope, enterprise_id, source, outlet_ref, min(national_code) AS national_code,
           min(outlet_label) AS outlet_label
    FROM outlet_day
    GROUP BY ALL
    UNION ALL
    SELECT DISTINCT 'enterprise', enterprise_id, NULL, NULL, NULL, NULL
    FROM outlet_day
),
counted AS (
    SELECT scope, enterprise_id, source, outlet_ref, CAST(date_trunc('quarter', day) AS DATE) AS quarter_start,
           count(*) FILTER (WHERE measured) AS measured_days,
           count(*) FILTER (WHERE exceeded) AS exceedance_days,
           count(*) FILTER (WHERE flagged) AS flagged_days,
           sum(exceedances) AS exceedances,
           max(max_multiple) AS max_exceedance_multiple
    FROM day_unit
    GROUP BY ALL
)
SELECT
    u.enterprise_id,
    u.scope,
    u.source,
    u.outlet_ref,
    u.national_code,
    u.outlet_label,
    year(q.quarter_start) || 'Q' || quarter(q.quarter_start) AS quarter,
    q.quarter_start,
    CAST(q.quarter_start + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE) AS quarter_end,
    s.as_of,
    CASE WHEN coalesce(c.measured_days, 0) = 0 THEN 'no_data'
         WHEN c.exceedance_days >= s.serious_days OR c.max_exceedance_multiple >= s.serious_multiple THEN 'serious'
         WHEN c.exceedance_days > 0 THEN 'exceedance'
         ELSE 'compliant' END AS status,
    coalesce(c.measured_days, 0) AS measured_days,
    coalesce(c.exceedance_days, 0) AS exceedance_days,
    coalesce(c.flagged_days, 0) AS flagged_days,
    coalesce(c.exceedances, 0) AS exceedances,
    c.max_exceedance_multiple
FROM unit u
CROSS JOIN quarter q
CROSS JOIN setting s
LEFT JOIN counted c ON c.scope = u.scope AND c.enterprise_id = u.enterprise_id
    AND c.source IS NOT DISTINCT FROM u.source AND c.outlet_ref IS NOT DISTINCT FROM u.outlet_ref
    AND c.quarter_start = q.quarter_start
ORDER BY u.enterprise_id, u.scope, u.source NULLS FIRST, u.outlet_ref NULLS FIRST, q.quarter_start
