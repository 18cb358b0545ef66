-- Records kept but not (yet) linked to any enterprise, with the reason their code could not be used.
SELECT
    r.record_id, r.source, r.kind, r.name, r.code_printed, l.code_status, l.code_reason
FROM intermediate.int_named_records r
LEFT JOIN intermediate.record_links l USING (record_id)
WHERE l.enterprise_id IS NULL
ORDER BY r.source, r.record_id
