-- Penalty decisions from every source, one row per decision: the same 文号 against the same party published
-- by several sources (a bureau's column and Credit China, say) is one decision, shown from the
-- best-ranked source with the others listed in `also_published`. Each row carries the enterprise it is
-- linked to (if any), why, and the violation categories and severity from etl/violations.yml.
WITH keyed AS NOT MATERIALIZED (
    SELECT
        p.*,
        l.enterprise_id,
        l.method AS link_method,
        l.score AS link_score,
        l.code_status,
        -- a decision without a 文号 is only ever the same as itself
        coalesce(p.decision_number_norm, p.record_id) AS decision_key,
        coalesce(l.enterprise_id, p.party) AS party_key
    FROM intermediate.int_penalties p
    LEFT JOIN intermediate.record_links l USING (record_id)
),
-- The decision each record belongs to, found over the few columns it needs (a window over the whole rows
-- sorted every text column along).
grouped AS (
    SELECT record_id, source, url, archive_digest, source_rank,
           first_value(record_id) OVER (PARTITION BY decision_key, party_key ORDER BY source_rank, record_id)
               AS primary_id
    FROM keyed
),
also AS (
    SELECT primary_id AS record_id,
           list({'record_id': record_id, 'source': source, 'url': url, 'archive_digest': archive_digest}
                ORDER BY source_rank, record_id) AS also_published
    FROM grouped
    WHERE record_id <> primary_id
    GROUP BY primary_id
)
SELECT
    k.* EXCLUDE (decision_key, party_key),
    coalesce(v.violation_types, ['other']) AS violation_types,
    coalesce(v.serious, false) AS serious,
    coalesce(v.serious_reasons, []) AS serious_reasons,
    v.exceedance_multiple,
    coalesce(a.also_published, []) AS also_published
FROM keyed k
SEMI JOIN grouped g ON g.record_id = k.record_id AND g.primary_id = k.record_id
LEFT JOIN intermediate.record_violations v USING (record_id)
LEFT JOIN also a USING (record_id)
ORDER BY k.decision_date DESC, k.record_id
