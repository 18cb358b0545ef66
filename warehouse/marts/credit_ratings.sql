-- Environmental credit ratings per enterprise and year, with the severity rule applied
-- (red/black, or yellow for water, air or solid-waste reasons: etl/violations.yml).
SELECT
    r.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score,
    coalesce(v.serious, false) AS serious,
    coalesce(v.serious_reasons, []) AS serious_reasons
FROM intermediate.int_credit_ratings r
LEFT JOIN intermediate.record_links l USING (record_id)
LEFT JOIN intermediate.record_violations v USING (record_id)
ORDER BY r.year DESC, r.record_id
