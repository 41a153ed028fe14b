-- title: Commits per day
-- description: Distinct commits per UTC day of their commit time (the push time when the push names none). A push lists at most 20 commits.
-- page: commits
-- order: 1
-- chart: bar
-- x: day
-- y: commits
-- params: from, to, project, group
-- commits_by_time FINAL keeps one row per (project, day, sha): count() counts distinct commits.
SELECT
    toDate(at) AS day,
    count() AS commits
FROM commits_by_time FINAL
WHERE at >= {from:DateTime64(3, 'UTC')}
    AND at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY day
ORDER BY day
