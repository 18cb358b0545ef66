-- Administrative penalties from Credit China's 双公示 exchange (信用中国 行政处罚), latest version of each.
-- Same columns as the bureau-column penalty models, then what the structured 双公示 fields add.
WITH item AS (
    SELECT * FROM latest_items('nat_creditchina_penalties', 'penalty')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "penalty_types": "VARCHAR[]", "laws_violated": "VARCHAR[]", "laws_applied": "VARCHAR[]",
    "decision_number": "VARCHAR", "decision_number_norm": "VARCHAR", "uscc": "VARCHAR",
    "uscc_masked": "VARCHAR", "party": "VARCHAR", "legal_representative": "VARCHAR", "authority": "VARCHAR",
    "decision_date": "VARCHAR", "fine_yuan": "VARCHAR", "fine_text": "VARCHAR", "facts": "VARCHAR",
    "raw": "JSON", "party_type": "VARCHAR", "authority_code": "VARCHAR", "violation_type": "VARCHAR",
    "basis_text": "VARCHAR", "valid_until": "VARCHAR", "publicity_until": "VARCHAR", "data_source": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.decision_number AS decision_number,
    f.decision_number_norm AS decision_number_norm,
    f.uscc AS uscc_printed,
    CAST(f.uscc_masked AS BOOLEAN) AS uscc_masked,
    -- parties
    f.party AS party,
    NULL::VARCHAR AS address,  -- the exchange does not publish the party's address
    f.legal_representative AS legal_representative,
    f.authority AS authority,
    -- dates
    TRY_CAST(f.decision_date AS DATE) AS decision_date,
    -- amounts: CF_NR_FK is in 万元; the spider stores yuan, exactly
    TRY_CAST(f.fine_yuan AS DECIMAL(18, 2)) AS fine_yuan,
    f.fine_text AS fine_text,
    -- substance
    f.penalty_types AS penalty_types,
    f.laws_violated AS laws_violated,
    f.laws_applied AS laws_applied,
    f.facts AS facts,
    (f.raw->>'$.CF_CFMC') AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version,
    -- what the 双公示 fields add
    f.party_type AS party_type,
    f.authority_code AS authority_code,
    f.violation_type AS violation_type,
    f.basis_text AS basis_text,
    TRY_CAST(f.valid_until AS DATE) AS valid_until,
    TRY_CAST(f.publicity_until AS DATE) AS publicity_until,
    f.data_source AS data_source,
    f.raw AS raw
FROM parsed
