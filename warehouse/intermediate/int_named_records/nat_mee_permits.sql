-- The permit platform prints the registered name of the permit holder.
SELECT record_id, source, 'permit' AS kind, enterprise_name AS name, uscc_printed AS code_printed,
       1 AS name_rank, address, region_text
FROM staging.stg_nat_mee_permits__permits
