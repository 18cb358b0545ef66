-- Incineration plants on the MEE automatic-monitoring disclosure platform, latest version of each.
SELECT
    -- ids
    record_id,
    fields->>'$.ps_code' AS ps_code,
    fields->>'$.credit_code' AS uscc_printed,
    -- names and places
    fields->>'$.ps_name' AS plant_name,
    fields->>'$.region_name' AS region_name,
    fields->>'$.fullregion_name' AS fullregion_name,
    fields->>'$.address' AS address,
    TRY_CAST(fields->>'$.longitude' AS DOUBLE) AS longitude,
    TRY_CAST(fields->>'$.latitude' AS DOUBLE) AS latitude,
    -- capacity
    fields->>'$.burn_ability' AS burn_ability,
    fields->>'$.electric_power' AS electric_power,
    TRY_CAST(fields->>'$.boiler_num' AS INTEGER) AS boiler_num,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'nat_envsc_incineration' AND kind = 'plant'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
