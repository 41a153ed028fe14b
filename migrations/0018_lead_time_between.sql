-- Lead time for changes over a range of deployment times, same definition and rows as
-- lead_time_for_changes (0012) for the commits first deployed in the range (docs/metrics.md,
-- docs/benchmarks.md "Lead time over the range (session 4)"). The panels filtered the view on
-- deployed_at, so every read computed the first containing deployment of every commit.

-- Every arrival of a commit on a branch, by branch and time: the arrivals that can have their
-- first containing deployment in a range are a key range here. It holds every row that feeds
-- branch_arrivals (not only the earliest per commit and branch): a later duplicate is harmless,
-- because the view recomputes each commit it finds from all of its arrivals in branch_arrivals.
CREATE TABLE IF NOT EXISTS branch_arrivals_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch the commit reached',
    arrived_at DateTime64(3, 'UTC') COMMENT 'Receipt of a push that carried it there',
    sha String COMMENT 'Commit'
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, branch, arrived_at, sha)
SETTINGS index_granularity = 1024
COMMENT 'The arrivals of branch_arrivals by project, branch and time, every receipt kept (identical rows fold)';

CREATE MATERIALIZED VIEW IF NOT EXISTS branch_arrivals_by_time_from_commits TO branch_arrivals_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch of the push that listed it',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When that push was received',
    sha String COMMENT 'Commit'
)
AS SELECT project_id, branch, pushed_at AS arrived_at, sha
FROM commits
WHERE branch != '' AND sha != '' AND sha != repeat('0', 40)
COMMENT 'Adds each commit a branch push listed to branch_arrivals_by_time (as branch_arrivals_from_commits)';

CREATE MATERIALIZED VIEW IF NOT EXISTS branch_arrivals_by_time_from_pushes TO branch_arrivals_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch pushed',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When the push was received',
    sha String COMMENT 'Pushed head (after)'
)
AS SELECT project_id, branch, pushed_at AS arrived_at, after AS sha
FROM pushes
WHERE NOT is_tag AND branch != '' AND after != '' AND after != repeat('0', 40)
COMMENT 'Adds the head of each branch push to branch_arrivals_by_time (as branch_arrivals_from_pushes)';

-- The arrivals already there, earliest per commit and branch (the views above were created
-- first: a row inserted meanwhile is added twice, which changes nothing).
INSERT INTO branch_arrivals_by_time
SELECT project_id, branch, min(arrived_at), sha
FROM branch_arrivals
GROUP BY project_id, sha, branch;

-- lead_time_for_changes for the commits whose first containing production deployment lies in
-- [from_time, to_time). As in 0012, with m = least(deployed sha's arrival on branch b, deployment
-- time), an arrival a on b is contained by the deployments on b with m >= a, and its first one
-- F_b(a) is the earliest of those (the running minimum `firsts`). F_b(a) >= from_time exactly when
-- a > M_b, the greatest m of b's deployments before from_time, and F_b(a) < to_time needs
-- a <= m < to_time for a deployment in the range. So a commit first deployed in the range has an
-- arrival on a branch deployed in the range, after M_b and before to_time: `found` reads those
-- (a key range of branch_arrivals_by_time per branch: its days from M_b on) and keeps the ones
-- whose F_b(a) is in the range. Each commit found is then computed as in
-- lead_time_for_changes, from all of its arrivals (branch_arrivals, by its key), and kept when its
-- first deployment is in the range: one that an arrival on another branch (or an earlier arrival
-- on the same branch) had deployed before from_time is dropped there.
-- The production deployments with their branches are computed once, into the scalar `deployed`,
-- and every step reads that array (a CTE is computed again wherever it is named).
--
-- lead_time_for_changes_in_scope(from_time, to_time, scope_project, scope_group) holds it, for the
-- projects of the dashboards' project and group filter (the panel's project and group parameters,
-- empty for all, as merge_request_cycle_in_scope takes them): a commit's first deployment depends
-- on its own project's deployments only, so reading those of the filter's projects gives the same
-- rows for them, and every later read is by the keys of those projects.
-- lead_time_for_changes_between(from_time, to_time) is it for all projects.
CREATE VIEW IF NOT EXISTS lead_time_for_changes_in_scope
AS WITH
    {scope_project:String} = '' AND {scope_group:String} = '' AS all_projects,
    -- the projects of the filter (services/dashboards/filters.ts); the panel applies the filter
    -- itself too, so its rows are those of the filter written out
    scope_projects AS
    (
        SELECT project_id FROM project_paths
        WHERE ({scope_project:String} = '' OR project_path = {scope_project:String}
                OR toString(project_id) = {scope_project:String})
            AND ({scope_group:String} = '' OR startsWith(project_path, concat({scope_group:String}, '/')))
    ),
    (
        SELECT groupArray((project_id, branch, least(sha_arrived_at, deployed_at), deployed_at, sha, environment))
        FROM production_deployment_branches
        WHERE all_projects OR project_id IN scope_projects
    ) AS deployed,
    -- Date starts at 1970: an earlier m (from a payload's deployment time) counts from there
    toDateTime64('1970-01-01 00:00:00', 3, 'UTC') AS epoch,
    (
        -- per branch deployed in the range, the days from M_b to the greatest m before to_time
        -- (no arrival after it can be first deployed before to_time), or all days (an empty
        -- array) when no deployment of the branch came before from_time
        SELECT groupArray((project_id, branch, days))
        FROM
        (
            SELECT d.1 AS project_id, d.2 AS branch,
                if(countIf(d.4 < {from_time:DateTime64(3, 'UTC')}) = 0, [],
                    arrayMap(n -> toDate(n), range(
                        toUInt32(toDate(greatest(maxIf(d.3, d.4 < {from_time:DateTime64(3, 'UTC')}), epoch))),
                        toUInt32(toDate(greatest(max(d.3), epoch))) + 1))) AS days
            FROM (SELECT arrayJoin(deployed) AS d)
            WHERE d.4 < {to_time:DateTime64(3, 'UTC')}
            GROUP BY project_id, branch
            HAVING countIf(d.4 >= {from_time:DateTime64(3, 'UTC')}) > 0
        )
    ) AS windows,
    firsts AS
    (
        SELECT project_id, branch, m,
            min(deployed_at) OVER w AS first_deployed_at,
            argMin(sha, deployed_at) OVER w AS first_sha,
            argMin(environment, deployed_at) OVER w AS first_environment
        FROM
        (
            SELECT d.1 AS project_id, d.2 AS branch, d.3 AS m, d.4 AS deployed_at, d.5 AS sha, d.6 AS environment
            FROM (SELECT arrayJoin(deployed) AS d)
        )
        WINDOW w AS (PARTITION BY project_id, branch ORDER BY m DESC
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    found AS
    (
        SELECT DISTINCT a.project_id AS project_id, a.sha AS sha
        FROM
        (
            SELECT project_id, branch, arrived_at, sha FROM branch_arrivals_by_time
            WHERE arrived_at < {to_time:DateTime64(3, 'UTC')}
                AND ((project_id, branch, toDate(arrived_at)) IN
                        (SELECT w.1, w.2, arrayJoin(w.3) FROM (SELECT arrayJoin(windows) AS w))
                    OR (project_id, branch) IN
                        (SELECT w.1, w.2 FROM (SELECT arrayJoin(windows) AS w) WHERE empty(w.3)))
        ) AS a
        ASOF INNER JOIN firsts AS f
            ON f.project_id = a.project_id AND f.branch = a.branch AND a.arrived_at <= f.m
        WHERE f.first_deployed_at >= {from_time:DateTime64(3, 'UTC')}
            AND f.first_deployed_at < {to_time:DateTime64(3, 'UTC')}
    ),
    arrivals AS
    (
        SELECT project_id, branch, sha, min(arrived_at) AS arrived_at
        FROM branch_arrivals
        WHERE (project_id, sha) IN (SELECT project_id, sha FROM found)
        GROUP BY project_id, branch, sha
    ),
    matches AS
    (
        SELECT a.project_id AS project_id, a.sha AS sha,
            min(f.first_deployed_at) AS deployed_at,
            argMin(f.first_sha, f.first_deployed_at) AS deployed_sha,
            argMin(f.first_environment, f.first_deployed_at) AS environment
        FROM arrivals AS a
        ASOF INNER JOIN firsts AS f
            ON f.project_id = a.project_id AND f.branch = a.branch AND a.arrived_at <= f.m
        GROUP BY a.project_id, a.sha
        HAVING deployed_at >= {from_time:DateTime64(3, 'UTC')} AND deployed_at < {to_time:DateTime64(3, 'UTC')}
    )
SELECT c.project_id AS project_id, c.project_path AS project_path, c.sha AS sha, c.branch AS first_branch,
    c.pushed_at AS first_pushed_at,
    toNullable(m.deployed_at) AS deployed_at,
    toNullable(m.deployed_sha) AS deployed_sha,
    toNullable(m.environment) AS environment,
    toNullable(dateDiff('millisecond', c.pushed_at, m.deployed_at) / 1000) AS lead_time_s
FROM
(
    SELECT project_id, project_path, sha, branch, pushed_at FROM commits FINAL
    WHERE (project_id, sha) IN (SELECT project_id, sha FROM found)
) AS c
INNER JOIN matches AS m ON m.project_id = c.project_id AND m.sha = c.sha
COMMENT 'Lead time for changes (docs/metrics.md) of the commits first deployed in [from_time, to_time) of the projects scope_project and scope_group name (empty: all)';

CREATE VIEW IF NOT EXISTS lead_time_for_changes_between
AS SELECT *
FROM lead_time_for_changes_in_scope(from_time = {from_time:DateTime64(3, 'UTC')}, to_time = {to_time:DateTime64(3, 'UTC')},
    scope_project = '', scope_group = '')
COMMENT 'Lead time for changes (docs/metrics.md) of the commits first deployed in [from_time, to_time): lead_time_for_changes_between(from_time = ..., to_time = ...)';
