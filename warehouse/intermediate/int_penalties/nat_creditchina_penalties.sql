SELECT *, 3 AS source_rank FROM staging.stg_nat_creditchina_penalties__penalties
