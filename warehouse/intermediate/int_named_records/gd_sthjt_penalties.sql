-- Penalty decisions name the party as registered, usually; individual businesses carry a 92… code.
SELECT record_id, source, 'penalty' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, address, NULL AS region_text
FROM staging.stg_gd_sthjt_penalties__penalties
