-- title: Pipeline duration by project and ref
-- description: p50 and p95 of pipeline running time in seconds as GitLab reports it, per UTC day of creation, for the ten busiest project and ref pairs.
-- page: pipelines
-- order: 1
-- chart: line
-- x: day
-- y: p50_s, p95_s
-- series: series
-- params: from, to, project, group, branch
SELECT
    toDate(created_at) AS day,
    concat(project_path, ' @ ', ref) AS series,
    project_path,
    ref,
    count() AS pipelines,
    quantileExact(0.5)(duration_s) AS p50_s,
    quantileExact(0.95)(duration_s) AS p95_s
FROM pipelines_by_time FINAL
WHERE duration_s IS NOT NULL
    AND created_at >= {from:DateTime64(3, 'UTC')}
    AND created_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
    AND {{branch ref}}
    AND (project_path, ref) IN
    (
        SELECT project_path, ref
        FROM pipelines_by_time FINAL
        WHERE duration_s IS NOT NULL
            AND created_at >= {from:DateTime64(3, 'UTC')}
            AND created_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
            AND {{branch ref}}
        GROUP BY project_path, ref
        ORDER BY count() DESC, project_path, ref
        LIMIT 10
    )
GROUP BY day, project_path, ref
ORDER BY day, project_path, ref
