-- Hourly (air) and 2-hourly (water) self-monitoring values of Zhejiang's key dischargers, with limits as
-- published; the enterprises' own data, not reviewed by the authority. Times are China time as printed.
SELECT
    -- ids
    record_id,
    fields->>'$.enterprise_id' AS enterprise_id,
    fields->>'$.enterprise_name' AS enterprise_name,
    fields->>'$.uscc' AS uscc_printed,
    fields->>'$.outlet_code' AS outlet_code,
    fields->>'$.outlet_name' AS outlet_name,
    fields->>'$.medium' AS medium,
    fields->>'$.pollutant_code' AS pollutant_code,
    fields->>'$.pollutant_name' AS pollutant_name,
    -- dates
    CAST(fields->>'$.measured_at' AS TIMESTAMP) AS measured_at,
    CAST(CAST(fields->>'$.measured_at' AS TIMESTAMP) AS DATE) AS day,
    -- values
    TRY_CAST(fields->>'$.value' AS DOUBLE) AS value,
    fields->>'$.unit' AS unit,
    TRY_CAST(fields->>'$.limit_value' AS DOUBLE) AS limit_value,
    TRY_CAST(fields->>'$.limit_lower' AS DOUBLE) AS limit_lower,
    TRY_CAST(fields->>'$.compliant' AS BOOLEAN) AS compliant,
    TRY_CAST(fields->>'$.exceedance_multiple' AS DOUBLE) AS exceedance_multiple,
    fields->>'$.mode' AS mode,
    TRY_CAST(fields->>'$.flow' AS DOUBLE) AS flow,
    coalesce(fields->>'$.remark', '') AS remark,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_sthjt_selfmonitoring' AND kind = 'selfmonitoring_value'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
