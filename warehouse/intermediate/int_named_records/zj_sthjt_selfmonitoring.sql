-- The platform names the discharger as registered, usually. Where it leaves the code cell empty, the
-- permit number (HJ 608-2017: the holder's USCC + sequence + letter) is the code it prints.
SELECT record_id, source, 'monitoring_site' AS kind, enterprise_name AS name,
       coalesce(uscc_printed, permit_number) AS code_printed,
       3 AS name_rank, NULL AS address, region_text
FROM staging.stg_zj_sthjt_selfmonitoring__sites
