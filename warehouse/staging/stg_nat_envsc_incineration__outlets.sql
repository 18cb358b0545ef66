-- Furnaces / outlets (监测点) of the incineration plants.
WITH item AS (
    SELECT * FROM latest_items('nat_envsc_incineration', 'outlet')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "ps_code": "VARCHAR", "mp_code": "VARCHAR", "mp_name": "VARCHAR", "boiler_name": "VARCHAR",
    "boiler_type": "VARCHAR", "burn_ability": "VARCHAR", "stopopen_status": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.ps_code AS ps_code,
    f.mp_code AS mp_code,
    -- description
    f.mp_name AS outlet_name,
    f.boiler_name AS boiler_name,
    f.boiler_type AS boiler_type,
    f.burn_ability AS burn_ability,
    f.stopopen_status AS stopopen_status,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
