-- Penalty decisions with the enterprise they are linked to (if any) and the evidence for each.
SELECT
    p.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score,
    l.code_status
FROM staging.stg_zj_jxsthj_penalties__penalties p
LEFT JOIN intermediate.record_links l USING (record_id)
ORDER BY p.decision_date DESC, p.record_id
