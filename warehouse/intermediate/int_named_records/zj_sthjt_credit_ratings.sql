-- Credit-rating lists print the registered name with the code; the place is city + county, no address.
SELECT record_id, source, 'credit_rating' AS kind, enterprise_name AS name, uscc_printed AS code_printed,
       2 AS name_rank, NULL AS address, concat(city, county) AS region_text
FROM staging.stg_zj_sthjt_credit_ratings__ratings
