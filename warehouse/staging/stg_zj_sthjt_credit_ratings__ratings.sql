-- Environmental credit ratings (企业环境信用评价) of Zhejiang enterprises, one per enterprise and year.
SELECT
    -- ids
    record_id,
    fields->>'$.uscc' AS uscc_printed,
    -- names and places
    fields->>'$.enterprise_name' AS enterprise_name,
    fields->>'$.city' AS city,
    fields->>'$.county' AS county,
    -- rating
    CAST(fields->>'$.year' AS INTEGER) AS year,
    fields->>'$.grade' AS grade,
    fields->>'$.grade_label' AS grade_label,
    CAST(fields->'$.reasons' AS VARCHAR[]) AS reasons,
    -- the notice that published the list
    fields->>'$.notice_number' AS notice_number,
    fields->>'$.notice_title' AS notice_title,
    TRY_CAST(fields->>'$.notice_date' AS DATE) AS notice_date,
    fields->>'$.notice_url' AS notice_url,
    fields->>'$.attachment_type' AS attachment_type,
    -- provenance (url: the attachment the record was read from)
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_sthjt_credit_ratings' AND kind = 'credit_rating'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
