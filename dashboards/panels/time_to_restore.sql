-- title: Time to restore
-- description: Hours from an incident's opening to its close, or from a failed deployment to the next successful one: p50 and p90 per week of the failure (Monday, UTC), from time_to_restore_between (the time_to_restore definition over the range).
-- page: overview
-- order: 5
-- chart: line
-- x: week
-- y: p50_h, p90_h
-- requires: time_to_restore_between
-- params: from, to, project, group
SELECT
    toStartOfWeek(failed_at, 1) AS week,
    count() AS failures,
    countIf(restored_at IS NOT NULL) AS restored,
    round(quantileExact(0.5)(restore_s) / 3600, 2) AS p50_h,
    round(quantileExact(0.9)(restore_s) / 3600, 2) AS p90_h
FROM time_to_restore_between(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')})
WHERE failed_at >= {from:DateTime64(3, 'UTC')}
    AND failed_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY week
ORDER BY week
