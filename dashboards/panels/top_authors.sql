-- title: Top authors by commits
-- description: The ten commit authors (by email) with the most distinct commits in the range, and in how many projects.
-- page: commits
-- order: 4
-- chart: hbar
-- x: author
-- y: commits
-- params: from, to, project, group
SELECT
    any(author_name) AS author,
    author_email,
    uniqExact(project_id, sha) AS commits,
    uniqExact(project_path) AS projects
FROM commits FINAL
WHERE coalesce(committed_at, pushed_at) >= {from:DateTime64(3, 'UTC')}
    AND coalesce(committed_at, pushed_at) < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY author_email
ORDER BY commits DESC, author_email
LIMIT 10
