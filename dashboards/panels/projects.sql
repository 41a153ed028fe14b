-- title: Projects
-- description: Every project and group seen in the events, for the filter suggestions.
-- page: filters
-- order: 1
-- chart: table
-- params: group
SELECT
    project_path,
    any(group_path) AS group_path,
    max(project_id) AS project_id,
    max(received_at) AS last_received_at
FROM events
WHERE project_path != ''
    AND {{group}}
GROUP BY project_path
ORDER BY project_path
LIMIT 1000
