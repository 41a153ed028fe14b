-- title: Merge requests opened and merged per week
-- description: Merge requests opened (by creation time) and merged (by merge time) per week, weeks starting on Monday, UTC.
-- page: merge-requests
-- order: 1
-- chart: bar
-- x: week
-- y: opened, merged
-- params: from, to, project, group
SELECT
    week,
    countIf(what = 'opened') AS opened,
    countIf(what = 'merged') AS merged
FROM
(
    SELECT x.1 AS what, x.2 AS t, toStartOfWeek(x.2, 1) AS week
    FROM merge_request_states FINAL
    ARRAY JOIN [('opened', created_at), ('merged', merged_at)] AS x
    WHERE {{scope}}
)
WHERE t >= {from:DateTime64(3, 'UTC')} AND t < {to:DateTime64(3, 'UTC')}
GROUP BY week
ORDER BY week
