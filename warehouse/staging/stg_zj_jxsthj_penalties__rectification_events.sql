-- What happened to decisions of the 嘉兴市生态环境局 column afterwards (crawlers/helpers/rectification.py):
-- re-inspections (passed or failed), fines paid and credit repair, one row per event and the decisions it
-- names, latest version of each. The decisions are matched to penalty records in the record_timeline mart.
SELECT
    -- ids
    record_id,
    fields->>'$.event_type' AS event_type,
    CAST(fields->'$.decision_numbers' AS VARCHAR[]) AS decision_numbers,
    CAST(fields->'$.decision_numbers_norm' AS VARCHAR[]) AS decision_numbers_norm,
    fields->>'$.notice_number' AS notice_number,
    fields->>'$.uscc' AS uscc_printed,
    CAST(fields->>'$.uscc_masked' AS BOOLEAN) AS uscc_masked,
    -- parties
    fields->>'$.party' AS party,
    fields->>'$.authority' AS authority,
    -- dates
    TRY_CAST(fields->>'$.event_date' AS DATE) AS event_date,
    TRY_CAST(fields->>'$.reinspection_date' AS DATE) AS reinspection_date,
    TRY_CAST(fields->>'$.notice_date' AS DATE) AS notice_date,
    -- amounts
    TRY_CAST(fields->>'$.amount_yuan' AS DECIMAL(18, 2)) AS amount_yuan,
    -- substance
    fields->>'$.notice_type' AS notice_type,
    fields->>'$.text' AS text,
    coalesce(fields->>'$.source_page_title', fields->>'$.notice_title') AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_jxsthj_penalties' AND kind = 'rectification_event'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
