-- Daily average concentrations per outlet and pollutant (mg/m³), with the platform's limit and remark.
SELECT
    -- ids
    record_id,
    fields->>'$.ps_code' AS ps_code,
    fields->>'$.mp_code' AS mp_code,
    fields->>'$.pollutant_code' AS pollutant_code,
    fields->>'$.pollutant_name' AS pollutant_name,
    -- dates
    CAST(fields->>'$.day' AS DATE) AS day,
    TRY_CAST(fields->>'$.monitor_time' AS TIMESTAMP) AS monitor_time,
    -- values
    TRY_CAST(fields->>'$.strength' AS DOUBLE) AS value,
    TRY_CAST(fields->>'$.standard_value' AS DOUBLE) AS limit_value,
    coalesce(fields->>'$.remark', '') AS remark,
    fields->>'$.status' AS status,
    fields->>'$.data_status' AS data_status,
    -- provenance
    source, url, fetched_at, archive_digest
FROM raw.items
WHERE source = 'nat_envsc_incineration' AND kind = 'monitoring_value'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
