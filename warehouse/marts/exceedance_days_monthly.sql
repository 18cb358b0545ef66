-- Per outlet, pollutant and month: the days with at least one exceedance, the days with at least one flagged
-- value (never counted as exceedances), and the days measured (at least one valid value: flag class ok).
-- Days first, then months: one grouping of the values instead of three DISTINCT counts over them. The labels
-- are taken per month apart, so the per-day grouping (as many groups as values, for daily means) carries no
-- text beside its keys: at 1m values it then fits in memory instead of spilling to disk.
WITH labels AS (
    SELECT enterprise_id, source, outlet_ref, national_code, pollutant_code,
           CAST(date_trunc('month', day) AS DATE) AS month,
           min(outlet_label) AS outlet_label, min(pollutant_name) AS pollutant_name
    FROM marts.outlet_values
    GROUP BY ALL
),
per_day AS (
    SELECT
        enterprise_id, source, outlet_ref, national_code, pollutant_code, day,
        bool_or(exceeded) AS exceeded,
        bool_or(flagged) AS flagged,
        bool_or(flag_class = 'ok' AND value IS NOT NULL) AS measured,
        count(*) AS values_count,
        count(*) FILTER (WHERE exceeded) AS exceedances,
        count(*) FILTER (WHERE flagged) AS flagged_values,
        max(exceedance_multiple) AS max_exceedance_multiple
    FROM marts.outlet_values
    GROUP BY enterprise_id, source, outlet_ref, national_code, pollutant_code, day
),
monthly AS (
    SELECT
        enterprise_id, source, outlet_ref, national_code, pollutant_code,
        CAST(date_trunc('month', day) AS DATE) AS month,
        count(*) FILTER (WHERE exceeded) AS exceedance_days,
        count(*) FILTER (WHERE flagged) AS flagged_days,
        count(*) FILTER (WHERE measured) AS measured_days,
        sum(values_count) AS values_count,
        sum(exceedances) AS exceedances,
        sum(flagged_values) AS flagged_values,
        max(max_exceedance_multiple) AS max_exceedance_multiple
    FROM per_day
    GROUP BY ALL
)
SELECT
    m.enterprise_id,
    m.source,
    m.outlet_ref,
    m.national_code,
    l.outlet_label,
    m.pollutant_code,
    l.pollutant_name,
    m.month,
    m.exceedance_days,
    m.flagged_days,
    m.measured_days,
    m.values_count,
    m.exceedances,
    m.flagged_values,
    m.max_exceedance_multiple
FROM monthly m
JOIN labels l ON l.enterprise_id IS NOT DISTINCT FROM m.enterprise_id AND l.source = m.source
    AND l.outlet_ref IS NOT DISTINCT FROM m.outlet_ref AND l.national_code IS NOT DISTINCT FROM m.national_code
    AND l.pollutant_code IS NOT DISTINCT FROM m.pollutant_code AND l.month = m.month
ORDER BY m.enterprise_id, m.source, m.outlet_ref, m.pollutant_code, m.month
