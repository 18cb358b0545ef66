-- Every record that names an enterprise, with the code as printed: the input of `qingtian match`.
-- name_rank: whose spelling of a name to prefer. The permit platform prints the registered name;
-- penalty decisions usually do; the monitoring platform often writes plant names its own way.
SELECT record_id, source, 'permit' AS kind, enterprise_name AS name, uscc_printed AS code_printed,
       1 AS name_rank, address, NULL AS region_text
FROM staging.stg_nat_mee_permits__permits
UNION ALL
SELECT record_id, source, 'penalty', party, uscc_printed, 2, address, NULL
FROM staging.stg_zj_jxsthj_penalties__penalties
UNION ALL
SELECT record_id, source, 'plant', plant_name, uscc_printed, 3, address, fullregion_name
FROM staging.stg_nat_envsc_incineration__plants
