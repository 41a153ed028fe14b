-- title: Change failure rate
-- description: Production deployments per week (Monday, UTC) and the share followed by an incident, a revert, a rollback or a failed deployment before the next one, from the change_failure view.
-- page: overview
-- order: 4
-- chart: bar
-- x: week
-- y: deployments, failed
-- line: failure_rate
-- requires: change_failure
-- params: from, to, project, group
SELECT
    toStartOfWeek(deployed_at, 1) AS week,
    count() AS deployments,
    countIf(failed) AS failed,
    round(failed / deployments, 4) AS failure_rate
FROM change_failure
WHERE deployed_at >= {from:DateTime64(3, 'UTC')}
    AND deployed_at < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY week
ORDER BY week
