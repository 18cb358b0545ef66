SELECT *, 2 AS source_rank FROM staging.stg_js_sthjt_sgs_penalties__penalties
