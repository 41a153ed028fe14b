-- title: Time to restore
-- description: Hours from an incident's opening to its close, or from a failed deployment to the next successful one: p50 and p90 per week of the failure (Monday, UTC), from the time_to_restore view.
-- page: overview
-- order: 5
-- chart: line
-- x: week
-- y: p50_h, p90_h
-- requires: time_to_restore
-- params: from, to, project, group
SELECT
    toStartOfWeek(failed_at, 1) AS week,
    count() AS failures,
    countIf(restored_at IS NOT NULL) AS restored,
    round(quantileExact(0.5)(restore_s) / 3600, 2) AS p50_h,
    round(quantileExact(0.9)(restore_s) / 3600, 2) AS p90_h
FROM time_to_restore
WHERE failed_at >= {from:DateTime64(3, 'UTC')}
    AND failed_at < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY week
ORDER BY week
