-- The 双公示 system prints the party as registered (natural persons without a code); no address.
SELECT record_id, source, 'penalty' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, address, NULL AS region_text
FROM staging.stg_js_sthjt_sgs_penalties__penalties
UNION ALL
SELECT record_id, source, 'correction_order' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, NULL AS address, NULL AS region_text
FROM staging.stg_js_sthjt_sgs_penalties__correction_orders
