-- Permits from the national permit platform's public side, latest version of each.
SELECT
    -- ids
    record_id,
    fields->>'$.permit_number' AS permit_number,
    fields->>'$.uscc' AS uscc_printed,
    fields->>'$.dataid' AS dataid,
    -- names and places
    fields->>'$.enterprise_name' AS enterprise_name,
    fields->>'$.province' AS province,
    fields->>'$.city' AS city,
    fields->>'$.region' AS region_text,
    fields->>'$.address' AS address,
    TRY_CAST(fields->>'$.longitude' AS DOUBLE) AS longitude,
    TRY_CAST(fields->>'$.latitude' AS DOUBLE) AS latitude,
    -- classification
    fields->>'$.industry' AS industry,
    fields->>'$.management' AS management,
    fields->>'$.business_type' AS business_type,
    fields->>'$.authority' AS authority,
    CAST(fields->'$.pollutant_categories' AS VARCHAR[]) AS pollutant_categories,
    -- dates
    TRY_CAST(fields->>'$.issued' AS DATE) AS issued,
    TRY_CAST(fields->>'$.valid_from' AS DATE) AS valid_from,
    TRY_CAST(fields->>'$.valid_to' AS DATE) AS valid_to,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'nat_mee_permits' AND kind = 'permit'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
