-- Correction orders (责令改正违法行为决定书) from the Jiangsu 双公示 system, latest version of each.
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
    fields->>'$.legal_representative' AS legal_representative,
    fields->>'$.authority' AS authority,
    -- dates
    TRY_CAST(fields->>'$.decision_date' AS DATE) AS decision_date,
    TRY_CAST(fields->>'$.deadline' AS DATE) AS deadline,
    -- substance
    fields->>'$.violation_type' AS violation_type,
    fields->>'$.facts' AS facts,
    fields->>'$.order_text' AS order_text,
    CAST(fields->'$.laws_violated' AS VARCHAR[]) AS laws_violated,
    fields->>'$.title' AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'js_sthjt_sgs_penalties' AND kind = 'correction_order'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
