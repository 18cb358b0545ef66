SELECT * FROM staging.stg_zj_jxsthj_penalties__penalties
