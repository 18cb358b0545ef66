-- Environmental credit ratings (企业环境信用评价) of Zhejiang enterprises, one per enterprise and year.
WITH item AS (
    SELECT * FROM latest_items('zj_sthjt_credit_ratings', 'credit_rating')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "reasons": "VARCHAR[]", "uscc": "VARCHAR", "enterprise_name": "VARCHAR", "city": "VARCHAR",
    "county": "VARCHAR", "year": "VARCHAR", "grade": "VARCHAR", "grade_label": "VARCHAR",
    "notice_number": "VARCHAR", "notice_title": "VARCHAR", "notice_date": "VARCHAR", "notice_url": "VARCHAR",
    "attachment_type": "VARCHAR"
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
    -- rating
    CAST(f.year AS INTEGER) AS year,
    f.grade AS grade,
    f.grade_label AS grade_label,
    f.reasons AS reasons,
    -- the notice that published the list
    f.notice_number AS notice_number,
    f.notice_title AS notice_title,
    TRY_CAST(f.notice_date AS DATE) AS notice_date,
    f.notice_url AS notice_url,
    f.attachment_type AS attachment_type,
    -- provenance (url: the attachment the record was read from)
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
