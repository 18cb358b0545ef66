-- Permits with the enterprise they belong to and why.
SELECT
    p.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score,
    p.valid_to >= current_date AS in_force
FROM staging.stg_nat_mee_permits__permits p
LEFT JOIN intermediate.record_links l USING (record_id)
ORDER BY p.permit_number
