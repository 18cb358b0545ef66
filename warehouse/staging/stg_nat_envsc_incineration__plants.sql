-- Incineration plants on the MEE automatic-monitoring disclosure platform, latest version of each.
WITH item AS (
    SELECT * FROM latest_items('nat_envsc_incineration', 'plant')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "ps_code": "VARCHAR", "credit_code": "VARCHAR", "ps_name": "VARCHAR", "region_name": "VARCHAR",
    "fullregion_name": "VARCHAR", "address": "VARCHAR", "longitude": "VARCHAR", "latitude": "VARCHAR",
    "burn_ability": "VARCHAR", "electric_power": "VARCHAR", "boiler_num": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.ps_code AS ps_code,
    f.credit_code AS uscc_printed,
    -- names and places
    f.ps_name AS plant_name,
    f.region_name AS region_name,
    f.fullregion_name AS fullregion_name,
    f.address AS address,
    TRY_CAST(f.longitude AS DOUBLE) AS longitude,
    TRY_CAST(f.latitude AS DOUBLE) AS latitude,
    -- capacity
    f.burn_ability AS burn_ability,
    f.electric_power AS electric_power,
    TRY_CAST(f.boiler_num AS INTEGER) AS boiler_num,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
