-- Hourly (air) and 2-hourly (water) self-monitoring values of Zhejiang's key dischargers, with limits as
-- published; the enterprises' own data, not reviewed by the authority. Times are China time as printed.
WITH item AS (
    SELECT * FROM latest_items('zj_sthjt_selfmonitoring', 'selfmonitoring_value')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "enterprise_id": "VARCHAR", "enterprise_name": "VARCHAR", "uscc": "VARCHAR", "outlet_code": "VARCHAR",
    "outlet_name": "VARCHAR", "medium": "VARCHAR", "pollutant_code": "VARCHAR", "pollutant_name": "VARCHAR",
    "measured_at": "VARCHAR", "value": "VARCHAR", "unit": "VARCHAR", "limit_value": "VARCHAR",
    "limit_lower": "VARCHAR", "compliant": "VARCHAR", "exceedance_multiple": "VARCHAR", "mode": "VARCHAR",
    "flow": "VARCHAR", "remark": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.enterprise_id AS enterprise_id,
    f.enterprise_name AS enterprise_name,
    f.uscc AS uscc_printed,
    f.outlet_code AS outlet_code,
    f.outlet_name AS outlet_name,
    f.medium AS medium,
    f.pollutant_code AS pollutant_code,
    f.pollutant_name AS pollutant_name,
    -- dates
    CAST(f.measured_at AS TIMESTAMP) AS measured_at,
    CAST(CAST(f.measured_at AS TIMESTAMP) AS DATE) AS day,
    -- values
    TRY_CAST(f.value AS DOUBLE) AS value,
    f.unit AS unit,
    TRY_CAST(f.limit_value AS DOUBLE) AS limit_value,
    TRY_CAST(f.limit_lower AS DOUBLE) AS limit_lower,
    TRY_CAST(f.compliant AS BOOLEAN) AS compliant,
    TRY_CAST(f.exceedance_multiple AS DOUBLE) AS exceedance_multiple,
    f.mode AS mode,
    TRY_CAST(f.flow AS DOUBLE) AS flow,
    coalesce(f.remark, '') AS remark,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
