-- title: Merge request cycle time
-- description: Median hours of each phase (coding, pickup, review, merge, deploy) and average review rounds, per week of merge (Monday, UTC); bot authors excluded. From merge_request_cycle_in_scope, which reads only the merge requests merged in the range, of the projects the filter names.
-- page: merge-requests
-- order: 3
-- chart: bar
-- stack: true
-- x: week
-- y: coding_p50_h, pickup_p50_h, review_p50_h, merge_p50_h, deploy_p50_h
-- requires: merge_request_cycle_in_scope
-- params: from, to, project, group
SELECT
    toStartOfWeek(assumeNotNull(merged_at), 1) AS week,
    count() AS merge_requests,
    round(quantileExact(0.5)(coding_s) / 3600, 2) AS coding_p50_h,
    round(quantileExact(0.5)(pickup_s) / 3600, 2) AS pickup_p50_h,
    round(quantileExact(0.5)(review_s) / 3600, 2) AS review_p50_h,
    round(quantileExact(0.5)(merge_s) / 3600, 2) AS merge_p50_h,
    round(quantileExact(0.5)(deploy_s) / 3600, 2) AS deploy_p50_h,
    round(avg(review_rounds), 2) AS review_rounds_avg
FROM merge_request_cycle_in_scope(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')}, all_merge_requests = false,
    {{scopeargs}})
WHERE merged_at >= {from:DateTime64(3, 'UTC')}
    AND merged_at < {to:DateTime64(3, 'UTC')}
    AND NOT author_is_bot
    AND {{scope}}
GROUP BY week
ORDER BY week
