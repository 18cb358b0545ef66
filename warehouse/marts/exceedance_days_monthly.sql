-- Per outlet, pollutant and month: the days with at least one exceedance, the days with at least one flagged
-- value (never counted as exceedances), and the days measured (at least one valid value: flag class ok).
-- Days first, then months: one grouping of the values instead of three DISTINCT counts over them.
WITH per_day AS (
    SELECT
        enterprise_id, source, outlet_ref, national_code, pollutant_code, day,
        min(outlet_label) AS outlet_label,
        min(pollutant_name) AS pollutant_name,
        bool_or(exceeded) AS exceeded,
        bool_or(flagged) AS flagged,
        bool_or(flag_class = 'ok' AND value IS NOT NULL) AS measured,
        count(*) AS values_count,
        count(*) FILTER (WHERE exceeded) AS exceedances,
        count(*) FILTER (WHERE flagged) AS flagged_values,
        max(exceedance_multiple) AS max_exceedance_multiple
    FROM marts.outlet_values
    GROUP BY enterprise_id, source, outlet_ref, national_code, pollutant_code, day
)
SELECT
    enterprise_id,
    source,
    outlet_ref,
    national_code,
    min(outlet_label) AS outlet_label,
    pollutant_code,
    min(pollutant_name) AS pollutant_name,
    CAST(date_trunc('month', day) AS DATE) AS month,
    count(*) FILTER (WHERE exceeded) AS exceedance_days,
    count(*) FILTER (WHERE flagged) AS flagged_days,
    count(*) FILTER (WHERE measured) AS measured_days,
    sum(values_count) AS values_count,
    sum(exceedances) AS exceedances,
    sum(flagged_values) AS flagged_values,
    max(max_exceedance_multiple) AS max_exceedance_multiple
FROM per_day
GROUP BY enterprise_id, source, outlet_ref, national_code, pollutant_code, CAST(date_trunc('month', day) AS DATE)
ORDER BY enterprise_id, source, outlet_ref, pollutant_code, month
