-- Government follow-up of decisions (re-inspections, fines paid, credit repair), one row per event; each
-- source that publishes such notices adds its file here with the same columns.
SELECT * FROM staging.stg_zj_jxsthj_penalties__rectification_events
