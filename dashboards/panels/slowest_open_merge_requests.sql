-- title: Oldest open merge requests
-- description: The twenty merge requests open the longest, with links. Not limited by the time range.
-- page: merge-requests
-- order: 5
-- chart: table
-- link: url
-- params: project, group
SELECT
    project_path,
    mr_iid,
    title,
    url,
    draft,
    created_at AS opened_at,
    round(dateDiff('second', created_at, now64(3)) / 86400, 1) AS age_days
FROM merge_requests FINAL
WHERE state = 'opened' AND created_at IS NOT NULL
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
ORDER BY created_at, project_path, mr_iid
LIMIT 20
