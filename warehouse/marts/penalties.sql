-- Penalty decisions from every source, one row per decision: the same 文号 against the same party published
-- by several sources (a bureau's column and Credit China, say) is one decision, shown from the
-- best-ranked source with the others listed in `also_published`. Each row carries the enterprise it is
-- linked to (if any), why, and the violation categories and severity from etl/violations.yml.
WITH keyed AS (
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
grouped AS (
    SELECT *, first_value(record_id) OVER (
        PARTITION BY decision_key, party_key ORDER BY source_rank, record_id) AS primary_id
    FROM keyed
)
SELECT
    g.* EXCLUDE (decision_key, party_key, primary_id),
    coalesce(v.violation_types, ['other']) AS violation_types,
    coalesce(v.serious, false) AS serious,
    coalesce(v.serious_reasons, []) AS serious_reasons,
    v.exceedance_multiple,
    coalesce((
        SELECT list({'record_id': o.record_id, 'source': o.source, 'url': o.url,
                     'archive_digest': o.archive_digest} ORDER BY o.source_rank, o.record_id)
        FROM grouped o WHERE o.primary_id = g.record_id AND o.record_id <> g.record_id
    ), []) AS also_published
FROM grouped g
LEFT JOIN intermediate.record_violations v USING (record_id)
WHERE g.record_id = g.primary_id
ORDER BY g.decision_date DESC, g.record_id
