-- title: Active authors per week
-- description: Distinct commit author emails per week (weeks start on Monday, UTC), by commit time.
-- page: commits
-- order: 2
-- chart: line
-- x: week
-- y: authors
-- params: from, to, project, group
SELECT
    toStartOfWeek(at, 1) AS week,
    uniqExact(author_email) AS authors
FROM commits_by_time FINAL
WHERE at >= {from:DateTime64(3, 'UTC')}
    AND at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY week
ORDER BY week
