-- Audit lists print the registered name; the PDF lists have no code, so those records match by name.
SELECT record_id, source, 'cleaner_production' AS kind, enterprise_name AS name, uscc_printed AS code_printed,
       2 AS name_rank, NULL AS address, concat(city, county) AS region_text
FROM staging.stg_zj_sthjt_cleaner_production__audits
