-- title: Lead time for changes
-- description: Hours from a commit's first push to the first production deployment that contains it: p50 and p90 per week of deployment (Monday, UTC), from lead_time_for_changes_in_scope, which computes only the commits first deployed in the range, of the projects the filter names.
-- page: overview
-- order: 3
-- chart: line
-- x: week
-- y: p50_h, p90_h
-- requires: lead_time_for_changes_in_scope
-- params: from, to, project, group
SELECT
    toStartOfWeek(assumeNotNull(deployed_at), 1) AS week,
    count() AS commits,
    round(quantileExact(0.5)(lead_time_s) / 3600, 2) AS p50_h,
    round(quantileExact(0.9)(lead_time_s) / 3600, 2) AS p90_h
FROM lead_time_for_changes_in_scope(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')},
    {{scopeargs}})
WHERE deployed_at >= {from:DateTime64(3, 'UTC')}
    AND deployed_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY week
ORDER BY week
