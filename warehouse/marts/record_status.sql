-- The status of every penalty record (one row per record of marts.penalties), from its timeline
-- (marts.record_timeline). Rules, in this order; the first that holds decides:
--   1. rectified_gov_verified  the government granted credit repair (信用修复) for it, or its latest
--                              re-inspection (复查) found it corrected (已完成整改);
--   2. disputed                the enterprise disputes it (current dispute feedback), and rule 1 does not hold;
--   3. rectified_self_declared the enterprise submitted rectification evidence, dated after the latest failed
--                              re-inspection if there is one (a government finding of 未完成整改 outweighs
--                              earlier self-declared evidence);
--   4. open                    otherwise: no follow-up, only fines paid or explanations, or a failed re-inspection.
-- A fine paid alone does not rectify a violation: it is shown, it does not change the status.
WITH t AS (
    SELECT * FROM marts.record_timeline WHERE record_id IS NOT NULL
),
facts AS (
    SELECT
        p.record_id,
        max(t.event_date) FILTER (WHERE t.event_type = 'credit_repaired') AS credit_repaired_on,
        arg_max(t.event_type, t.seq) FILTER (WHERE t.event_type IN ('reinspection_passed', 'reinspection_failed'))
            AS last_reinspection,
        max(t.event_date) FILTER (WHERE t.event_type IN ('reinspection_passed', 'reinspection_failed'))
            AS last_reinspection_on,
        max(t.event_date) FILTER (WHERE t.event_type = 'reinspection_failed') AS failed_on,
        max(t.event_date) FILTER (WHERE t.event_type = 'dispute') AS disputed_on,
        max(t.event_date) FILTER (WHERE t.event_type = 'rectification_evidence') AS evidence_on,
        max(t.event_date) FILTER (WHERE t.event_type = 'fine_paid') AS fine_paid_on,
        count(t.event_id) FILTER (WHERE t.event_type <> 'decision') AS follow_ups,
        count(t.event_id) FILTER (WHERE t.source = 'feedback') AS feedback_count
    FROM marts.penalties p
    LEFT JOIN t USING (record_id)
    GROUP BY p.record_id
),
ruled AS (
    SELECT
        *,
        CASE
            WHEN credit_repaired_on IS NOT NULL THEN 'credit_repaired'
            WHEN last_reinspection = 'reinspection_passed' THEN 'reinspection_passed'
            WHEN disputed_on IS NOT NULL THEN 'dispute'
            WHEN evidence_on IS NOT NULL AND (failed_on IS NULL OR evidence_on > failed_on)
                THEN 'rectification_evidence'
            WHEN last_reinspection = 'reinspection_failed' THEN 'reinspection_failed'
            ELSE 'no_follow_up'
        END AS status_reason
    FROM facts
)
SELECT
    -- ids
    p.record_id,
    p.enterprise_id,
    p.decision_number,
    p.decision_number_norm,
    -- status
    CASE r.status_reason
        WHEN 'credit_repaired' THEN 'rectified_gov_verified'
        WHEN 'reinspection_passed' THEN 'rectified_gov_verified'
        WHEN 'dispute' THEN 'disputed'
        WHEN 'rectification_evidence' THEN 'rectified_self_declared'
        ELSE 'open'
    END AS status,
    r.status_reason,
    -- dates
    p.decision_date,
    CASE r.status_reason
        WHEN 'credit_repaired' THEN r.credit_repaired_on
        WHEN 'reinspection_passed' THEN r.last_reinspection_on
        WHEN 'dispute' THEN r.disputed_on
        WHEN 'rectification_evidence' THEN r.evidence_on
        WHEN 'reinspection_failed' THEN r.failed_on
        ELSE p.decision_date
    END AS status_since,
    r.fine_paid_on,
    -- counts
    r.follow_ups,
    r.feedback_count
FROM marts.penalties p
JOIN ruled r USING (record_id)
ORDER BY p.decision_date DESC, p.record_id
