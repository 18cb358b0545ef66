-- The monitoring platform often writes plant names its own way (county in brackets, 有限责任公司).
SELECT record_id, source, 'plant' AS kind, plant_name AS name, uscc_printed AS code_printed,
       3 AS name_rank, address, fullregion_name AS region_text
FROM staging.stg_nat_envsc_incineration__plants
