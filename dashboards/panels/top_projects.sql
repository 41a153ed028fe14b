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
FROM commits_by_time FINAL
WHERE at >= {from:DateTime64(3, 'UTC')}
    AND at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY project_path
ORDER BY commits DESC, project_path
LIMIT 10
