-- title: Flaky jobs
-- description: Jobs that failed and then passed on the same sha with no new commit (from the flaky_jobs view), by when they first failed; the fifty most recent.
-- page: pipelines
-- order: 6
-- chart: table
-- requires: flaky_jobs
-- params: from, to, project, group, branch
SELECT
    project_path,
    name,
    ref,
    sha,
    failed_runs,
    successful_runs,
    first_failed_at,
    passed_at
FROM flaky_jobs
WHERE first_failed_at >= {from:DateTime64(3, 'UTC')}
    AND first_failed_at < {to:DateTime64(3, 'UTC')}
    AND ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
    AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/')))
    AND ({branch:String} = '' OR ref = {branch:String})
ORDER BY first_failed_at DESC, project_path, name
LIMIT 50
