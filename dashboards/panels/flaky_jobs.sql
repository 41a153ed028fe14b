-- title: Flaky jobs
-- description: Jobs that failed and then passed on the same sha with no new commit (the flaky_jobs definition, over the runs that can fall in the range), by when they first failed; the fifty most recent.
-- page: pipelines
-- order: 6
-- chart: table
-- requires: flaky_jobs_between
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
FROM flaky_jobs_between(from_time = {from:DateTime64(3, 'UTC')}, to_time = {to:DateTime64(3, 'UTC')})
WHERE first_failed_at >= {from:DateTime64(3, 'UTC')}
    AND first_failed_at < {to:DateTime64(3, 'UTC')}
    AND {{scope}}
    AND {{branch ref}}
ORDER BY first_failed_at DESC, project_path, name
LIMIT 50
