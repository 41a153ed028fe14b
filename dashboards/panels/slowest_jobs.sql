-- title: Slowest jobs
-- description: The fifteen job names (per project and stage) with the highest p95 running time in seconds, among jobs created in the range.
-- page: pipelines
-- order: 5
-- chart: table
-- params: from, to, project, group, branch
SELECT
    project_path,
    stage,
    name,
    count() AS runs,
    quantileExact(0.5)(duration_s) AS p50_s,
    quantileExact(0.95)(duration_s) AS p95_s,
    max(duration_s) AS max_s
FROM jobs_by_time FINAL
WHERE duration_s IS NOT NULL
    AND created_at >= {from:DateTime64(3, 'UTC')}
    AND created_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
    AND {{branch ref}}
GROUP BY project_path, stage, name
ORDER BY p95_s DESC, project_path, stage, name
LIMIT 15
