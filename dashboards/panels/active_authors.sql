-- title: Active authors per week
-- description: Distinct commit author emails per week (weeks start on Monday, UTC), by commit time.
-- page: commits
-- order: 2
-- chart: line
-- x: week
-- y: authors
-- params: from, to, project, group
SELECT
    toStartOfWeek(coalesce(committed_at, pushed_at), 1) AS week,
    uniqExact(author_email) AS authors
FROM commits FINAL
WHERE coalesce(committed_at, pushed_at) >= {from:DateTime64(3, 'UTC')}
    AND coalesce(committed_at, pushed_at) < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY week
ORDER BY week
