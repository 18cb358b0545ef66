-- Key dischargers listed on Zhejiang's self-monitoring disclosure platform, latest version of each.
WITH item AS (
    SELECT * FROM latest_items('zj_sthjt_selfmonitoring', 'monitoring_site')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "enterprise_id": "VARCHAR", "uscc": "VARCHAR", "permit_number": "VARCHAR", "enterprise_name": "VARCHAR",
    "region": "VARCHAR", "industry": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.enterprise_id AS enterprise_id,
    f.uscc AS uscc_printed,
    f.permit_number AS permit_number,
    -- names and places
    f.enterprise_name AS enterprise_name,
    f.region AS region_text,
    f.industry AS industry,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
