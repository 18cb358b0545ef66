-- Outlets (排放口) listed on the permits' air and water tabs, latest version of each.
WITH item AS (
    SELECT * FROM latest_items('nat_mee_permits', 'permit_outlet')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "permit_number": "VARCHAR", "uscc": "VARCHAR", "outlet_code": "VARCHAR", "national_code": "VARCHAR",
    "outlet_name": "VARCHAR", "medium": "VARCHAR", "outlet_type": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.permit_number AS permit_number,
    f.uscc AS uscc_printed,
    f.outlet_code AS outlet_code,
    -- HJ 608-2017: permit number + outlet code, unique nationwide
    f.national_code AS national_code,
    -- description
    f.outlet_name AS outlet_name,
    f.medium AS medium,
    f.outlet_type AS outlet_type,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
