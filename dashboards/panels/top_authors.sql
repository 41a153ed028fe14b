-- title: Top authors by commits
-- description: The ten commit authors (by email) with the most distinct commits in the range, and in how many projects.
-- page: commits
-- order: 4
-- chart: hbar
-- x: author
-- y: commits
-- params: from, to, project, group
-- commits_by_time FINAL keeps one row per (project, day, sha): count() counts distinct commits.
SELECT
    any(author_name) AS author,
    author_email,
    count() AS commits,
    uniqExact(project_path) AS projects
FROM commits_by_time FINAL
WHERE at >= {from:DateTime64(3, 'UTC')}
    AND at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY author_email
ORDER BY commits DESC, author_email
LIMIT 10
