-- title: Commits per day
-- description: Distinct commits per UTC day of their commit time (the push time when the push names none). A push lists at most 20 commits.
-- page: commits
-- order: 1
-- chart: bar
-- x: day
-- y: commits
-- params: from, to, project, group
SELECT
    toDate(coalesce(committed_at, pushed_at)) AS day,
    uniqExact(project_id, sha) AS commits
FROM commits FINAL
WHERE coalesce(committed_at, pushed_at) >= {from:DateTime64(3, 'UTC')}
    AND coalesce(committed_at, pushed_at) < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY day
ORDER BY day
