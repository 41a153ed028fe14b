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
    toString(kind) AS kind,
    count() AS events
FROM events FINAL
WHERE received_at >= {from:DateTime64(3, 'UTC')}
    AND received_at < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
GROUP BY day, kind
ORDER BY day, kind
