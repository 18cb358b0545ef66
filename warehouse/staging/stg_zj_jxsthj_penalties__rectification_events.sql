-- What happened to decisions of the 嘉兴市生态环境局 column afterwards (crawlers/helpers/rectification.py):
-- re-inspections (passed or failed), fines paid and credit repair, one row per event and the decisions it
-- names, latest version of each. The decisions are matched to penalty records in the record_timeline mart.
WITH item AS (
    SELECT * FROM latest_items('zj_jxsthj_penalties', 'rectification_event')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "decision_numbers": "VARCHAR[]", "decision_numbers_norm": "VARCHAR[]", "event_type": "VARCHAR",
    "notice_number": "VARCHAR", "uscc": "VARCHAR", "uscc_masked": "VARCHAR", "party": "VARCHAR",
    "authority": "VARCHAR", "event_date": "VARCHAR", "reinspection_date": "VARCHAR", "notice_date": "VARCHAR",
    "amount_yuan": "VARCHAR", "notice_type": "VARCHAR", "text": "VARCHAR", "source_page_title": "VARCHAR",
    "notice_title": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.event_type AS event_type,
    f.decision_numbers AS decision_numbers,
    f.decision_numbers_norm AS decision_numbers_norm,
    f.notice_number AS notice_number,
    f.uscc AS uscc_printed,
    CAST(f.uscc_masked AS BOOLEAN) AS uscc_masked,
    -- parties
    f.party AS party,
    f.authority AS authority,
    -- dates
    TRY_CAST(f.event_date AS DATE) AS event_date,
    TRY_CAST(f.reinspection_date AS DATE) AS reinspection_date,
    TRY_CAST(f.notice_date AS DATE) AS notice_date,
    -- amounts
    TRY_CAST(f.amount_yuan AS DECIMAL(18, 2)) AS amount_yuan,
    -- substance
    f.notice_type AS notice_type,
    f.text AS text,
    coalesce(f.source_page_title, f.notice_title) AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
