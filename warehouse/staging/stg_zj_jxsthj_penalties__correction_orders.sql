-- Orders to correct (责令改正违法行为决定书) from the 嘉兴市生态环境局 column, latest version of each: no fine,
-- an order with a deadline.
SELECT
    -- ids
    record_id,
    fields->>'$.decision_number' AS decision_number,
    fields->>'$.decision_number_norm' AS decision_number_norm,
    fields->>'$.uscc' AS uscc_printed,
    CAST(fields->>'$.uscc_masked' AS BOOLEAN) AS uscc_masked,
    -- parties
    fields->>'$.party' AS party,
    fields->>'$.party_type' AS party_type,
    fields->>'$.address' AS address,
    fields->>'$.legal_representative' AS legal_representative,
    fields->>'$.authority' AS authority,
    -- dates
    TRY_CAST(fields->>'$.decision_date' AS DATE) AS decision_date,
    TRY_CAST(fields->>'$.deadline' AS DATE) AS deadline,
    -- substance
    fields->>'$.order_text' AS order_text,
    CAST(fields->'$.laws_violated' AS VARCHAR[]) AS laws_violated,
    CAST(fields->'$.laws_applied' AS VARCHAR[]) AS laws_applied,
    fields->>'$.facts' AS facts,
    coalesce(fields->>'$.source_page_title', fields->>'$.title') AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_jxsthj_penalties' AND kind = 'correction_order'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
