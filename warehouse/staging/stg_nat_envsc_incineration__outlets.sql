-- Furnaces / outlets (监测点) of the incineration plants.
SELECT
    -- ids
    record_id,
    fields->>'$.ps_code' AS ps_code,
    fields->>'$.mp_code' AS mp_code,
    -- description
    fields->>'$.mp_name' AS outlet_name,
    fields->>'$.boiler_name' AS boiler_name,
    fields->>'$.boiler_type' AS boiler_type,
    fields->>'$.burn_ability' AS burn_ability,
    fields->>'$.stopopen_status' AS stopopen_status,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'nat_envsc_incineration' AND kind = 'outlet'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
