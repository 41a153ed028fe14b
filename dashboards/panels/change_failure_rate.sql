-- title: Change failure rate
-- description: Production deployments per week (Monday, UTC) and the share followed by an incident, a revert, a rollback or a failed deployment before the next one, from change_failure_between (the change_failure definition over the range).
-- page: overview
-- order: 4
-- chart: bar
-- x: week
-- y: deployments, failed
-- line: failure_rate
-- requires: change_failure_between
-- params: from, to, project, group
SELECT
    toStartOfWeek(deployed_at, 1) AS week,
    count() AS deployments,
    countIf(failed) AS failed,
    round(failed / deployments, 4) AS failure_rate
FROM change_failure_between(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')})
WHERE deployed_at >= {from:DateTime64(3, 'UTC')}
    AND deployed_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY week
ORDER BY week
