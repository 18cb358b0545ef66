-- Penalty decisions from every source, with the enterprise each is linked to (if any), why, and the
-- violation categories and severity computed from the rules in etl/violations.yml.
SELECT
    p.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score,
    l.code_status,
    coalesce(v.violation_types, ['other']) AS violation_types,
    coalesce(v.serious, false) AS serious,
    coalesce(v.serious_reasons, []) AS serious_reasons,
    v.exceedance_multiple
FROM intermediate.int_penalties p
LEFT JOIN intermediate.record_links l USING (record_id)
LEFT JOIN intermediate.record_violations v USING (record_id)
ORDER BY p.decision_date DESC, p.record_id
