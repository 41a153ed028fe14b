-- title: Freshness
-- description: Seconds since the newest event was received (now - max(received_at)), whatever the time range; null when none was received yet.
-- page: overview
-- order: 7
-- chart: stat
-- value: seconds_since_last_event
-- unit: s
-- params: project, group
SELECT
    count() > 0 AS has_events,
    if(count() = 0, NULL, max(received_at)) AS last_received_at,
    if(count() = 0, NULL, dateDiff('millisecond', max(received_at), now64(3)) / 1000) AS seconds_since_last_event
FROM events
WHERE {{scope}}
