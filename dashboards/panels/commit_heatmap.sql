-- title: Commits by weekday and hour
-- description: Distinct commits per weekday (1 = Monday) and hour of the commit time, in UTC.
-- page: commits
-- order: 5
-- chart: heatmap
-- x: hour
-- y: weekday
-- value: commits
-- params: from, to, project, group
-- commits_by_time FINAL keeps one row per (project, day, sha): count() counts distinct commits.
SELECT
    toDayOfWeek(at) AS weekday,
    toHour(at) AS hour,
    count() AS commits
FROM commits_by_time FINAL
WHERE at >= {from:DateTime64(3, 'UTC')}
    AND at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY weekday, hour
ORDER BY weekday, hour
