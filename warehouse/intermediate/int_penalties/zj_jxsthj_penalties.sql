-- source_rank: whose copy of a decision to show first. The issuing bureau's own publication (1) over a
-- provincial disclosure system (2) over the national Credit China exchange (3), which copies them.
SELECT *, 1 AS source_rank FROM staging.stg_zj_jxsthj_penalties__penalties
