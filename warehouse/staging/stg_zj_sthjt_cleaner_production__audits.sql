-- Enterprises listed for compulsory cleaner-production audit (强制性清洁生产审核, 双超双有), one per year.
SELECT
    -- ids
    record_id,
    fields->>'$.uscc' AS uscc_printed,
    -- names and places
    fields->>'$.enterprise_name' AS enterprise_name,
    fields->>'$.city' AS city,
    fields->>'$.county' AS county,
    -- listing
    CAST(fields->>'$.year' AS INTEGER) AS year,
    CAST(fields->'$.audit_type' AS VARCHAR[]) AS audit_type,
    fields->>'$.audit_reason' AS audit_reason,
    -- dates
    TRY_CAST(fields->>'$.deadline' AS DATE) AS deadline,
    fields->>'$.deadline_text' AS deadline_text,
    -- the notice that published the list
    fields->>'$.notice_number' AS notice_number,
    fields->>'$.notice_title' AS notice_title,
    TRY_CAST(fields->>'$.notice_date' AS DATE) AS notice_date,
    fields->>'$.notice_url' AS notice_url,
    fields->>'$.attachment_type' AS attachment_type,
    -- provenance (url: the attachment the record was read from)
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_sthjt_cleaner_production' AND kind = 'cleaner_production'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
