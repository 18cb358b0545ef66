-- Administrative penalty decisions (行政处罚决定书) of 广东省生态环境厅, read from their PDF/DOCX attachments;
-- latest version of each. `url` is the attachment (the archived evidence), not the note linking it.
WITH item AS (
    SELECT * FROM latest_items('gd_sthjt_penalties', 'penalty')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "penalty_types": "VARCHAR[]", "laws_violated": "VARCHAR[]", "laws_applied": "VARCHAR[]",
    "decision_number": "VARCHAR", "decision_number_norm": "VARCHAR", "uscc": "VARCHAR",
    "uscc_masked": "VARCHAR", "party": "VARCHAR", "address": "VARCHAR", "legal_representative": "VARCHAR",
    "authority": "VARCHAR", "decision_date": "VARCHAR", "fine_yuan": "VARCHAR", "fine_text": "VARCHAR",
    "facts": "VARCHAR", "source_page_title": "VARCHAR", "title": "VARCHAR"
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
    f.address AS address,
    f.legal_representative AS legal_representative,
    f.authority AS authority,
    -- dates
    TRY_CAST(f.decision_date AS DATE) AS decision_date,
    -- amounts
    TRY_CAST(f.fine_yuan AS DECIMAL(18, 2)) AS fine_yuan,
    f.fine_text AS fine_text,
    -- substance
    f.penalty_types AS penalty_types,
    f.laws_violated AS laws_violated,
    f.laws_applied AS laws_applied,
    f.facts AS facts,
    coalesce(f.source_page_title, f.title) AS title,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
