-- title: Oldest open merge requests
-- description: The twenty merge requests open the longest, with links. Not limited by the time range.
-- page: merge-requests
-- order: 5
-- chart: table
-- link: url
-- params: project, group
-- The twenty from merge_request_states (no strings to merge), then their title and link.
SELECT
    project_path,
    mr_iid,
    title,
    url,
    draft,
    created_at AS opened_at,
    round(dateDiff('second', created_at, now64(3)) / 86400, 1) AS age_days
FROM merge_requests FINAL
WHERE (project_id, mr_iid) IN
    (
        SELECT project_id, mr_iid
        FROM merge_request_states FINAL
        WHERE state = 'opened' AND created_at IS NOT NULL
            AND {{scope}}
        ORDER BY created_at, project_path, mr_iid
        LIMIT 20
    )
ORDER BY created_at, project_path, mr_iid
