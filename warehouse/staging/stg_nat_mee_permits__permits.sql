-- Permits from the national permit platform's public side, latest version of each.
WITH item AS (
    SELECT * FROM latest_items('nat_mee_permits', 'permit')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "pollutant_categories": "VARCHAR[]", "permit_number": "VARCHAR", "uscc": "VARCHAR", "dataid": "VARCHAR",
    "enterprise_name": "VARCHAR", "province": "VARCHAR", "city": "VARCHAR", "region": "VARCHAR",
    "address": "VARCHAR", "longitude": "VARCHAR", "latitude": "VARCHAR", "industry": "VARCHAR",
    "management": "VARCHAR", "business_type": "VARCHAR", "authority": "VARCHAR", "issued": "VARCHAR",
    "valid_from": "VARCHAR", "valid_to": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.permit_number AS permit_number,
    f.uscc AS uscc_printed,
    f.dataid AS dataid,
    -- names and places
    f.enterprise_name AS enterprise_name,
    f.province AS province,
    f.city AS city,
    f.region AS region_text,
    f.address AS address,
    TRY_CAST(f.longitude AS DOUBLE) AS longitude,
    TRY_CAST(f.latitude AS DOUBLE) AS latitude,
    -- classification
    f.industry AS industry,
    f.management AS management,
    f.business_type AS business_type,
    f.authority AS authority,
    f.pollutant_categories AS pollutant_categories,
    -- dates
    TRY_CAST(f.issued AS DATE) AS issued,
    TRY_CAST(f.valid_from AS DATE) AS valid_from,
    TRY_CAST(f.valid_to AS DATE) AS valid_to,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
