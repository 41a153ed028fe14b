-- title: Pipeline queued time
-- description: p50 and p95 of the seconds a pipeline waited before its first job started (GitLab's queued_duration, else started_at - created_at), per UTC day of creation.
-- page: pipelines
-- order: 2
-- chart: line
-- x: day
-- y: p50_s, p95_s
-- params: from, to, project, group, branch
SELECT
    toDate(created_at) AS day,
    count() AS pipelines,
    quantileExact(0.5)(queued) AS p50_s,
    quantileExact(0.95)(queued) AS p95_s
FROM
(
    SELECT created_at, coalesce(queued_s, dateDiff('millisecond', created_at, started_at) / 1000) AS queued
    FROM pipelines_by_time FINAL
    WHERE created_at >= {from:DateTime64(3, 'UTC')}
        AND created_at < {to:DateTime64(3, 'UTC')}
        AND {{scope}}
        AND {{branch ref}}
)
WHERE queued IS NOT NULL
GROUP BY day
ORDER BY day
