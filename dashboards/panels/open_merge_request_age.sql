-- title: Open merge requests by age
-- description: Merge requests open now, by how long ago they were opened. Not limited by the time range.
-- page: merge-requests
-- order: 4
-- chart: bar
-- x: age
-- y: merge_requests
-- params: project, group
SELECT
    ['< 1 day', '1-3 days', '3-7 days', '1-2 weeks', '2-4 weeks', '1-3 months', '> 3 months'][bucket] AS age,
    merge_requests
FROM
(
    SELECT
        arrayCount(edge -> age_days >= edge, [1, 3, 7, 14, 30, 90]) + 1 AS bucket,
        count() AS merge_requests
    FROM
    (
        SELECT dateDiff('second', created_at, now64(3)) / 86400 AS age_days
        FROM merge_request_states FINAL
        WHERE state = 'opened' AND created_at IS NOT NULL
            AND {{scope}}
    )
    GROUP BY bucket
    ORDER BY bucket WITH FILL FROM 1 TO 8
)
ORDER BY bucket
