-- title: Commits by weekday and hour
-- description: Distinct commits per weekday (1 = Monday) and hour of the commit time, in UTC.
-- page: commits
-- order: 5
-- chart: heatmap
-- x: hour
-- y: weekday
-- value: commits
-- params: from, to, project, group
SELECT
    toDayOfWeek(coalesce(committed_at, pushed_at)) AS weekday,
    toHour(coalesce(committed_at, pushed_at)) AS hour,
    uniqExact(project_id, sha) AS commits
FROM commits FINAL
WHERE coalesce(committed_at, pushed_at) >= {from:DateTime64(3, 'UTC')}
    AND coalesce(committed_at, pushed_at) < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY weekday, hour
ORDER BY weekday, hour
