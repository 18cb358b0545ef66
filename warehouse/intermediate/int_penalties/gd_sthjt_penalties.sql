SELECT *, 1 AS source_rank FROM staging.stg_gd_sthjt_penalties__penalties
