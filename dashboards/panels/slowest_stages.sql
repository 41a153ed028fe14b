-- title: Slowest stages
-- description: p50 and p95 of job running time in seconds per stage, the ten slowest by p95, among jobs created in the range.
-- page: pipelines
-- order: 4
-- chart: hbar
-- x: stage
-- y: p50_s, p95_s
-- params: from, to, project, group, branch
SELECT
    stage,
    count() AS jobs,
    quantileExact(0.5)(duration_s) AS p50_s,
    quantileExact(0.95)(duration_s) AS p95_s
FROM jobs_by_time FINAL
WHERE duration_s IS NOT NULL
    AND created_at >= {from:DateTime64(3, 'UTC')}
    AND created_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
    AND {{branch ref}}
GROUP BY stage
ORDER BY p95_s DESC, stage
LIMIT 10
