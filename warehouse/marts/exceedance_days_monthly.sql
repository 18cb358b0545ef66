-- Per outlet, pollutant and month: the days with at least one exceedance, the days with at least one flagged
-- value (never counted as exceedances), and the days measured (at least one valid value: flag class ok).
SELECT
    enterprise_id,
    source,
    outlet_ref,
    national_code,
    min(outlet_label) AS outlet_label,
    pollutant_code,
    min(pollutant_name) AS pollutant_name,
    CAST(date_trunc('month', day) AS DATE) AS month,
    count(DISTINCT day) FILTER (WHERE exceeded) AS exceedance_days,
    count(DISTINCT day) FILTER (WHERE flagged) AS flagged_days,
    count(DISTINCT day) FILTER (WHERE flag_class = 'ok' AND value IS NOT NULL) AS measured_days,
    count(*) AS values_count,
    count(*) FILTER (WHERE exceeded) AS exceedances,
    count(*) FILTER (WHERE flagged) AS flagged_values,
    max(exceedance_multiple) AS max_exceedance_multiple
FROM marts.outlet_values
GROUP BY enterprise_id, source, outlet_ref, national_code, pollutant_code, CAST(date_trunc('month', day) AS DATE)
ORDER BY enterprise_id, source, outlet_ref, pollutant_code, month
