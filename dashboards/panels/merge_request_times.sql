-- title: Time to first comment, first approval and merge
-- description: Hours from opening to the first comment by someone other than the author, to the first approval, and to the merge: p50 and p90 per week of opening (Monday, UTC).
-- page: merge-requests
-- order: 2
-- chart: line
-- x: week
-- y: first_comment_p50_h, first_comment_p90_h, first_approval_p50_h, first_approval_p90_h, merge_p50_h, merge_p90_h
-- params: from, to, project, group
SELECT
    toStartOfWeek(opened_at, 1) AS week,
    count() AS merge_requests,
    round(quantileExact(0.5)(dateDiff('second', opened_at, first_comment_at)) / 3600, 2) AS first_comment_p50_h,
    round(quantileExact(0.9)(dateDiff('second', opened_at, first_comment_at)) / 3600, 2) AS first_comment_p90_h,
    round(quantileExact(0.5)(dateDiff('second', opened_at, first_approval_at)) / 3600, 2) AS first_approval_p50_h,
    round(quantileExact(0.9)(dateDiff('second', opened_at, first_approval_at)) / 3600, 2) AS first_approval_p90_h,
    round(quantileExact(0.5)(dateDiff('second', opened_at, merged_at)) / 3600, 2) AS merge_p50_h,
    round(quantileExact(0.9)(dateDiff('second', opened_at, merged_at)) / 3600, 2) AS merge_p90_h
FROM
(
    -- Without join_use_nulls (a setting, refused on the read-only session) an unmatched LEFT JOIN
    -- row has action '' and so matches no condition below; the -OrNull aggregates give NULL.
    SELECT
        m.project_id AS project_id,
        m.mr_iid AS mr_iid,
        assumeNotNull(any(m.created_at)) AS opened_at,
        minIfOrNull(e.at, e.action = 'comment'
            AND NOT (e.actor_id IS NOT NULL AND m.author_id IS NOT NULL AND e.actor_id = m.author_id)) AS first_comment_at,
        minIfOrNull(e.at, e.action IN ('approved', 'approval')) AS first_approval_at,
        coalesce(minIfOrNull(e.at, e.action = 'merge'), any(m.merged_at)) AS merged_at
    FROM
    (
        SELECT project_id, mr_iid, created_at, author_id, merged_at
        FROM merge_request_states FINAL
        WHERE created_at >= {from:DateTime64(3, 'UTC')}
            AND created_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
    ) AS m
    LEFT JOIN
    (
        -- A merge request's comments, approvals and merge come after it was opened, so after the
        -- start of the range: only events from then on are read (merge_request_events_by_time is
        -- ordered by time; its rows repeat only as exact twins, which min() ignores). The join
        -- keeps those of the merge requests above; here they are only narrowed to the filter's
        -- project ids (this table has no project_path), not to the merge requests with a second
        -- read of merge_request_states FINAL, which cost more than the join saved
        -- (docs/benchmarks.md, session 4).
        SELECT project_id, mr_iid, action, actor_id, at
        FROM merge_request_events_by_time
        WHERE at >= {from:DateTime64(3, 'UTC')}
            AND action IN ('comment', 'approved', 'approval', 'merge')
            AND {{scopeids}}
    ) AS e ON e.project_id = m.project_id AND e.mr_iid = m.mr_iid
    GROUP BY m.project_id, m.mr_iid
)
GROUP BY week
ORDER BY week
