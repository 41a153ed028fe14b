-- title: Pipeline success rate
-- description: Finished pipelines (success, failed, canceled) per week of creation (Monday, UTC), and the share that succeeded.
-- page: pipelines
-- order: 3
-- chart: bar
-- x: week
-- y: success, failed, canceled
-- stack: true
-- line: success_rate
-- params: from, to, project, group, branch
SELECT
    toStartOfWeek(created_at, 1) AS week,
    countIf(status = 'success') AS success,
    countIf(status = 'failed') AS failed,
    countIf(status = 'canceled') AS canceled,
    round(success / (success + failed + canceled), 4) AS success_rate
FROM pipelines_by_time FINAL
WHERE status IN ('success', 'failed', 'canceled')
    AND created_at >= {from:DateTime64(3, 'UTC')}
    AND created_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
    AND {{branch ref}}
GROUP BY week
ORDER BY week
