-- title: Top projects by commits
-- description: The ten projects with the most distinct commits in the range, with their distinct authors.
-- page: commits
-- order: 3
-- chart: hbar
-- x: project_path
-- y: commits
-- params: from, to, project, group
SELECT
    project_path,
    uniqExact(sha) AS commits,
    uniqExact(author_email) AS authors
FROM commits FINAL
WHERE coalesce(committed_at, pushed_at) >= {from:DateTime64(3, 'UTC')}
    AND coalesce(committed_at, pushed_at) < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY project_path
ORDER BY commits DESC, project_path
LIMIT 10
