-- Administrative penalties from Credit China's 双公示 exchange (信用中国 行政处罚), latest version of each.
-- Same columns as the bureau-column penalty models, then what the structured 双公示 fields add.
SELECT
    -- ids
    record_id,
    fields->>'$.decision_number' AS decision_number,
    fields->>'$.decision_number_norm' AS decision_number_norm,
    fields->>'$.uscc' AS uscc_printed,
    CAST(fields->>'$.uscc_masked' AS BOOLEAN) AS uscc_masked,
    -- parties
    fields->>'$.party' AS party,
    NULL::VARCHAR AS address,  -- the exchange does not publish the party's address
    fields->>'$.legal_representative' AS legal_representative,
    fields->>'$.authority' AS authority,
    -- dates
    TRY_CAST(fields->>'$.decision_date' AS DATE) AS decision_date,
    -- amounts: CF_NR_FK is in 万元; the spider stores yuan, exactly
    TRY_CAST(fields->>'$.fine_yuan' AS DECIMAL(18, 2)) AS fine_yuan,
    fields->>'$.fine_text' AS fine_text,
    -- substance
    CAST(fields->'$.penalty_types' AS VARCHAR[]) AS penalty_types,
    CAST(fields->'$.laws_violated' AS VARCHAR[]) AS laws_violated,
    CAST(fields->'$.laws_applied' AS VARCHAR[]) AS laws_applied,
    fields->>'$.facts' AS facts,
    fields->>'$.raw.CF_CFMC' AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version,
    -- what the 双公示 fields add
    fields->>'$.party_type' AS party_type,
    fields->>'$.authority_code' AS authority_code,
    fields->>'$.violation_type' AS violation_type,
    fields->>'$.basis_text' AS basis_text,
    TRY_CAST(fields->>'$.valid_until' AS DATE) AS valid_until,
    TRY_CAST(fields->>'$.publicity_until' AS DATE) AS publicity_until,
    fields->>'$.data_source' AS data_source,
    fields->'$.raw' AS raw
FROM raw.items
WHERE source = 'nat_creditchina_penalties' AND kind = 'penalty'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
