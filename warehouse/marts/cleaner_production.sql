-- Enterprises listed for compulsory cleaner-production audits (强制性清洁生产审核, 双超双有).
SELECT
    c.*,
    l.enterprise_id,
    l.method AS link_method,
    l.score AS link_score
FROM intermediate.int_cleaner_production c
LEFT JOIN intermediate.record_links l USING (record_id)
ORDER BY c.year DESC, c.record_id
