-- title: Events received per day
-- description: Webhook deliveries the projector folded, per UTC day of receipt and event kind. Retried deliveries count once.
-- page: overview
-- order: 6
-- chart: bar
-- x: day
-- y: events
-- series: kind
-- params: from, to, project, group
SELECT
    toDate(received_at) AS day,
    kind,
    count() AS events
FROM
(
    -- events keeps each event's latest receipt (ReplacingMergeTree(received_at)), which is what
    -- FINAL would return; receipts before the range cannot be the latest of one inside it, so
    -- only those from the start of the range on are read (partition pruning, no FINAL).
    SELECT
        event_id,
        max(received_at) AS received_at,
        toString(argMax(kind, e.received_at)) AS kind,
        argMax(project_id, e.received_at) AS project_id,
        argMax(project_path, e.received_at) AS project_path
    FROM events AS e
    WHERE e.received_at >= {from:DateTime64(3, 'UTC')}
    GROUP BY event_id
)
WHERE received_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
GROUP BY day, kind
ORDER BY day, kind
