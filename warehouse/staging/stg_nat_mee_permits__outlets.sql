-- Outlets (排放口) listed on the permits' air and water tabs, latest version of each.
SELECT
    -- ids
    record_id,
    fields->>'$.permit_number' AS permit_number,
    fields->>'$.uscc' AS uscc_printed,
    fields->>'$.outlet_code' AS outlet_code,
    -- HJ 608-2017: permit number + outlet code, unique nationwide
    fields->>'$.national_code' AS national_code,
    -- description
    fields->>'$.outlet_name' AS outlet_name,
    fields->>'$.medium' AS medium,
    fields->>'$.outlet_type' AS outlet_type,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'nat_mee_permits' AND kind = 'permit_outlet'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
