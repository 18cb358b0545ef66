-- Incineration plants with their operator enterprise.
SELECT
    p.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score,
    l.code_status
FROM staging.stg_nat_envsc_incineration__plants p
LEFT JOIN intermediate.record_links l USING (record_id)
ORDER BY p.ps_code
