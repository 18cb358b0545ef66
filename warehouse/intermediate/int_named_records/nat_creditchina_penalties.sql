-- Credit China prints the party's registered name and full code, as the authority filed them.
SELECT record_id, source, 'penalty' AS kind, party AS name, uscc_printed AS code_printed,
       2 AS name_rank, address, NULL AS region_text
FROM staging.stg_nat_creditchina_penalties__penalties
