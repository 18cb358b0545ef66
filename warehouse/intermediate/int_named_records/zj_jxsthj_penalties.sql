-- Penalty decisions name the party as registered, usually; individuals carry no code. Orders to correct
-- name it the same way.
SELECT record_id, source, 'penalty' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, address, NULL AS region_text
FROM staging.stg_zj_jxsthj_penalties__penalties
UNION ALL
SELECT record_id, source, 'correction_order' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, address, NULL AS region_text
FROM staging.stg_zj_jxsthj_penalties__correction_orders
UNION ALL
-- Follow-up notices (re-inspections, fines paid, credit repair) name the party the same way; linking them
-- to an enterprise is what ties an event to the decision it names (the record_timeline mart).
SELECT record_id, source, 'rectification_event' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, NULL AS address, NULL AS region_text
FROM staging.stg_zj_jxsthj_penalties__rectification_events
