-- Orders to correct (责令改正违法行为决定书) from the 嘉兴市生态环境局 column, latest version of each: no fine,
-- an order with a deadline.
WITH item AS (
    SELECT * FROM latest_items('zj_jxsthj_penalties', 'correction_order')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "laws_violated": "VARCHAR[]", "laws_applied": "VARCHAR[]", "decision_number": "VARCHAR",
    "decision_number_norm": "VARCHAR", "uscc": "VARCHAR", "uscc_masked": "VARCHAR", "party": "VARCHAR",
    "party_type": "VARCHAR", "address": "VARCHAR", "legal_representative": "VARCHAR", "authority": "VARCHAR",
    "decision_date": "VARCHAR", "deadline": "VARCHAR", "order_text": "VARCHAR", "facts": "VARCHAR",
    "source_page_title": "VARCHAR", "title": "VARCHAR"
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
    f.party_type AS party_type,
    f.address AS address,
    f.legal_representative AS legal_representative,
    f.authority AS authority,
    -- dates
    TRY_CAST(f.decision_date AS DATE) AS decision_date,
    TRY_CAST(f.deadline AS DATE) AS deadline,
    -- substance
    f.order_text AS order_text,
    f.laws_violated AS laws_violated,
    f.laws_applied AS laws_applied,
    f.facts AS facts,
    coalesce(f.source_page_title, f.title) AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
