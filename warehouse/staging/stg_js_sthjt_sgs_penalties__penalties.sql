-- Penalty decisions from the Jiangsu 双公示 system (江苏省生态环境厅), latest version of each.
-- Same columns as stg_zj_jxsthj_penalties__penalties, so that penalty sources union by name.
SELECT
    -- ids
    record_id,
    fields->>'$.decision_number' AS decision_number,
    fields->>'$.decision_number_norm' AS decision_number_norm,
    fields->>'$.uscc' AS uscc_printed,
    CAST(fields->>'$.uscc_masked' AS BOOLEAN) AS uscc_masked,
    -- parties
    fields->>'$.party' AS party,
    fields->>'$.address' AS address,
    fields->>'$.legal_representative' AS legal_representative,
    fields->>'$.authority' AS authority,
    -- dates
    TRY_CAST(fields->>'$.decision_date' AS DATE) AS decision_date,
    -- amounts: the system shows 万元; the spider converts exactly to yuan
    TRY_CAST(fields->>'$.fine_yuan' AS DECIMAL(18, 2)) AS fine_yuan,
    fields->>'$.fine_text' AS fine_text,
    -- substance
    CAST(fields->'$.penalty_types' AS VARCHAR[]) AS penalty_types,
    CAST(fields->'$.laws_violated' AS VARCHAR[]) AS laws_violated,
    CAST(fields->'$.laws_applied' AS VARCHAR[]) AS laws_applied,
    fields->>'$.facts' AS facts,
    fields->>'$.title' AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'js_sthjt_sgs_penalties' AND kind = 'penalty'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
