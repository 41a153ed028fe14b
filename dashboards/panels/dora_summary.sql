-- title: DORA four keys
-- description: The four keys over the whole range with their rating band (elite, high, medium, low; thresholds of the DORA 2023 report): deployments per day, median lead time, change failure rate, median time to restore.
-- page: overview
-- order: 1
-- chart: dora
-- requires: production_deployments, lead_time_for_changes_in_scope, change_failure_between, time_to_restore_between
-- params: from, to, project, group
WITH
    greatest(dateDiff('second', {from:DateTime64(3, 'UTC')}, {to:DateTime64(3, 'UTC')}) / 86400, 1) AS days,
    (
        SELECT count() FROM production_deployments
        WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
    ) AS deployments,
    (
        SELECT quantileExact(0.5)(lead_time_s) / 3600
        FROM lead_time_for_changes_in_scope(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')},
            {{scopeargs}})
        WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
    ) AS lead_h,
    (
        SELECT if(count() = 0, NULL, countIf(failed) / count()) FROM change_failure_between(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')})
        WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
    ) AS cfr,
    (
        SELECT quantileExact(0.5)(restore_s) / 3600 FROM time_to_restore_between(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')})
        WHERE failed_at >= {from:DateTime64(3, 'UTC')} AND failed_at < {to:DateTime64(3, 'UTC')}
            AND {{scope}}
    ) AS restore_h
SELECT metric, value, unit, rating
FROM
(
    SELECT
        ['deployment_frequency', 'lead_time_for_changes', 'change_failure_rate', 'time_to_restore'] AS metrics,
        [toNullable(deployments / days), lead_h, cfr, restore_h] AS values,
        ['per day', 'hours', 'ratio', 'hours'] AS units,
        [
            multiIf(deployments / days >= 1, 'elite', deployments / days >= 1 / 7, 'high', deployments / days >= 1 / 30, 'medium', 'low'),
            multiIf(lead_h IS NULL, '', lead_h < 24, 'elite', lead_h < 24 * 7, 'high', lead_h < 24 * 30, 'medium', 'low'),
            multiIf(cfr IS NULL, '', cfr <= 0.05, 'elite', cfr <= 0.10, 'high', cfr <= 0.15, 'medium', 'low'),
            multiIf(restore_h IS NULL, '', restore_h < 1, 'elite', restore_h < 24, 'high', restore_h < 24 * 7, 'medium', 'low')
        ] AS ratings
)
ARRAY JOIN metrics AS metric, values AS value, units AS unit, ratings AS rating
