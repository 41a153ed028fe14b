-- title: Deployment frequency
-- description: Successful production deployments per UTC day (one per environment per pipeline), from the deployment_frequency_daily view.
-- page: overview
-- order: 2
-- chart: bar
-- x: day
-- y: deployments
-- requires: deployment_frequency_daily
-- params: from, to, project, group
SELECT
    day,
    sum(deployments) AS deployments
FROM deployment_frequency_daily
WHERE day >= toDate({from:DateTime64(3, 'UTC')})
    AND day <= toDate({to:DateTime64(3, 'UTC')})
    AND {{scope}}
GROUP BY day
ORDER BY day
