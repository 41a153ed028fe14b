-- title: Runner load
-- description: Jobs started and busy hours per runner per UTC day (the ten busiest runners); jobs whose runner is not known count as (unknown).
-- page: pipelines
-- order: 7
-- chart: bar
-- stack: true
-- x: day
-- y: busy_h
-- series: runner
-- params: from, to, project, group
SELECT
    toDate(started_at) AS day,
    runner,
    count() AS jobs,
    round(sum(duration_s) / 3600, 3) AS busy_h
FROM
(
    SELECT
        started_at,
        duration_s,
        multiIf(runner_id IS NULL, '(unknown)', runner_description != '', toString(runner_description), concat('#', toString(runner_id))) AS runner
    FROM jobs_by_time FINAL
    WHERE started_at >= {from:DateTime64(3, 'UTC')}
        AND started_at < {to:DateTime64(3, 'UTC')}
        AND {{scope}}
)
WHERE runner IN
(
    SELECT multiIf(runner_id IS NULL, '(unknown)', runner_description != '', toString(runner_description), concat('#', toString(runner_id)))
    FROM jobs_by_time FINAL
    WHERE started_at >= {from:DateTime64(3, 'UTC')}
        AND started_at < {to:DateTime64(3, 'UTC')}
        AND {{scope}}
    GROUP BY 1
    ORDER BY count() DESC
    LIMIT 10
)
GROUP BY day, runner
ORDER BY day, runner
