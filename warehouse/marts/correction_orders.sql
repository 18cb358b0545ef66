-- Orders to correct (责令改正决定书): no fine, a deadline, and the enterprise they are linked to.
SELECT
    c.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score
FROM intermediate.int_correction_orders c
LEFT JOIN intermediate.record_links l USING (record_id)
ORDER BY c.decision_date DESC, c.record_id
