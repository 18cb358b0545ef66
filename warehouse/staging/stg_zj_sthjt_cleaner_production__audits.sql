-- Enterprises listed for compulsory cleaner-production audit (强制性清洁生产审核, 双超双有), one per year.
WITH item AS (
    SELECT * FROM latest_items('zj_sthjt_cleaner_production', 'cleaner_production')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "audit_type": "VARCHAR[]", "uscc": "VARCHAR", "enterprise_name": "VARCHAR", "city": "VARCHAR",
    "county": "VARCHAR", "year": "VARCHAR", "audit_reason": "VARCHAR", "deadline": "VARCHAR",
    "deadline_text": "VARCHAR", "notice_number": "VARCHAR", "notice_title": "VARCHAR",
    "notice_date": "VARCHAR", "notice_url": "VARCHAR", "attachment_type": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.uscc AS uscc_printed,
    -- names and places
    f.enterprise_name AS enterprise_name,
    f.city AS city,
    f.county AS county,
    -- listing
    CAST(f.year AS INTEGER) AS year,
    f.audit_type AS audit_type,
    f.audit_reason AS audit_reason,
    -- dates
    TRY_CAST(f.deadline AS DATE) AS deadline,
    f.deadline_text AS deadline_text,
    -- the notice that published the list
    f.notice_number AS notice_number,
    f.notice_title AS notice_title,
    TRY_CAST(f.notice_date AS DATE) AS notice_date,
    f.notice_url AS notice_url,
    f.attachment_type AS attachment_type,
    -- provenance (url: the attachment the record was read from)
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
