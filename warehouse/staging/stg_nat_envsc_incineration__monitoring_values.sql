-- Daily average concentrations per outlet and pollutant (mg/m³), with the platform's limit and remark.
WITH item AS (
    SELECT * FROM latest_items('nat_envsc_incineration', 'monitoring_value')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "ps_code": "VARCHAR", "mp_code": "VARCHAR", "pollutant_code": "VARCHAR", "pollutant_name": "VARCHAR",
    "day": "VARCHAR", "monitor_time": "VARCHAR", "strength": "VARCHAR", "standard_value": "VARCHAR",
    "remark": "VARCHAR", "status": "VARCHAR", "data_status": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.ps_code AS ps_code,
    f.mp_code AS mp_code,
    f.pollutant_code AS pollutant_code,
    f.pollutant_name AS pollutant_name,
    -- dates
    CAST(f.day AS DATE) AS day,
    TRY_CAST(f.monitor_time AS TIMESTAMP) AS monitor_time,
    -- values
    TRY_CAST(f.strength AS DOUBLE) AS value,
    TRY_CAST(f.standard_value AS DOUBLE) AS limit_value,
    coalesce(f.remark, '') AS remark,
    f.status AS status,
    f.data_status AS data_status,
    -- provenance
    source, url, fetched_at, archive_digest
FROM parsed
