-- Metrics views: the definitions of DESIGN.md "Metric definitions", written once in SQL so the
-- dashboards, the JSON API and a user's own queries all count the same way (docs/metrics.md
-- states each definition, its approximations and the settings). Every view reads the projected
-- tables with FINAL, so retried deliveries and replays never count twice.

-- The choices a user may change (docs/metrics.md, "Settings"): one row per (name, value). Add a
-- value with INSERT; switch one off by inserting it again with enabled = false (the latest
-- updated_at wins). Names: production_environment, production_tier, incident_label,
-- bot_username (exact), bot_username_suffix (username ends with it).
CREATE TABLE IF NOT EXISTS metric_settings
(
    name LowCardinality(String) COMMENT 'Setting: production_environment, production_tier, incident_label, bot_username or bot_username_suffix',
    value String COMMENT 'One value of the setting, e.g. an environment name',
    enabled Bool DEFAULT true COMMENT 'false switches this value off',
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the row was written: the latest row per (name, value) wins'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (name, value)
COMMENT 'Configurable choices of the metrics views, one row per setting and value (read with FINAL)';

INSERT INTO metric_settings (name, value) VALUES
    ('production_environment', 'production'),
    ('production_environment', 'prod'),
    ('production_tier', 'production'),
    ('incident_label', 'incident'),
    ('bot_username_suffix', '[bot]'),
    ('bot_username_suffix', '-bot'),
    ('bot_username', 'ghost');

CREATE VIEW IF NOT EXISTS metric_settings_current AS
SELECT toString(name) AS name, value FROM metric_settings FINAL WHERE enabled;

-- Every deployment attempt (any status) to a production environment, from the source the project
-- uses: Deployment Hooks when the project has sent any, else deploy jobs. A Deployment Hook does not
-- name its pipeline: it is taken from the deploy job (deployable_id) when that job is known.
CREATE VIEW IF NOT EXISTS production_deployment_attempts AS
SELECT
    d.project_id AS project_id,
    d.project_path AS project_path,
    d.deployment_key AS deployment_key,
    d.environment AS environment,
    d.status AS status,
    d.sha AS sha,
    d.ref AS ref,
    coalesce(d.pipeline_id, j.pipeline_id) AS pipeline_id,
    d.job_id AS job_id,
    assumeNotNull(d.deployed_at) AS deployed_at,
    toString(d.source) AS source
FROM deployments AS d FINAL
LEFT JOIN (SELECT project_id, job_id, pipeline_id FROM jobs FINAL) AS j
    ON j.project_id = d.project_id AND j.job_id = d.job_id
WHERE d.deployed_at IS NOT NULL
    AND (d.environment_tier IN (SELECT value FROM metric_settings_current WHERE name = 'production_tier')
        OR d.environment IN (SELECT value FROM metric_settings_current WHERE name = 'production_environment'))
    AND (d.source = 'deployment_hook'
        OR d.project_id NOT IN (SELECT project_id FROM deployments WHERE source = 'deployment_hook'));

-- Deployment (DESIGN.md): a successful deployment to a production environment, one per
-- environment per pipeline (the first success wins); a deployment with no known pipeline (an API
-- deployment) is one of its own.
CREATE VIEW IF NOT EXISTS production_deployments AS
SELECT project_id, project_path, environment, sha, pipeline_id, deployed_at, source, ref, deployment_key
FROM production_deployment_attempts
WHERE status = 'success'
ORDER BY deployed_at, deployment_key
LIMIT 1 BY project_id, environment, if(pipeline_id IS NULL, deployment_key, toString(pipeline_id));

CREATE VIEW IF NOT EXISTS deployment_frequency_daily AS
SELECT project_id, any(project_path) AS project_path, toDate(deployed_at) AS day, count() AS deployments
FROM production_deployments
GROUP BY project_id, day;

-- When each commit reached each branch: every commit a branch push lists (at most 20 a push) and
-- the pushed head (after), at the first receipt of the first push that carried it there.
CREATE VIEW IF NOT EXISTS commit_arrivals AS
SELECT project_id, branch, sha, min(pushed_at) AS arrived_at
FROM
(
    SELECT p.project_id AS project_id, p.branch AS branch, p.pushed_at AS pushed_at,
        arrayDistinct(arrayFilter(s -> s != '' AND s != repeat('0', 40),
            arrayConcat(arrayMap(c -> JSONExtractString(c, 'id'), JSONExtractArrayRaw(e.payload, 'commits')), [p.after]))) AS shas
    FROM pushes AS p FINAL
    INNER JOIN (SELECT event_id, payload FROM events FINAL WHERE kind = 'push') AS e ON e.event_id = p.event_id
    WHERE NOT p.is_tag AND p.branch != ''
)
ARRAY JOIN shas AS sha
GROUP BY project_id, branch, sha;

-- Production deployments with every branch their sha reached, and when.
CREATE VIEW IF NOT EXISTS production_deployment_branches AS
SELECT d.project_id AS project_id, d.environment AS environment, d.deployment_key AS deployment_key,
    d.sha AS sha, d.deployed_at AS deployed_at, a.branch AS branch, a.arrived_at AS sha_arrived_at
FROM production_deployments AS d
INNER JOIN commit_arrivals AS a ON a.project_id = d.project_id AND a.sha = d.sha;

-- Lead time for changes: from a commit's first appearance (its first push, any branch) to the
-- first production deployment that contains it. Contained: the commit reached a branch no later
-- than the deployed sha reached that same branch, and the deployment happened after that.
-- Commits never deployed have deployed_at and lead_time_s NULL.
CREATE VIEW IF NOT EXISTS lead_time_for_changes AS
SELECT c.project_id AS project_id, c.project_path AS project_path, c.sha AS sha, c.branch AS first_branch,
    c.pushed_at AS first_pushed_at,
    if(m.matched = 1, m.deployed_at, NULL) AS deployed_at,
    if(m.matched = 1, m.deployed_sha, NULL) AS deployed_sha,
    if(m.matched = 1, m.environment, NULL) AS environment,
    if(m.matched = 1, dateDiff('millisecond', c.pushed_at, m.deployed_at) / 1000, NULL) AS lead_time_s
FROM commits AS c FINAL
LEFT JOIN
(
    SELECT ca.project_id AS project_id, ca.sha AS sha, 1 AS matched,
        min(d.deployed_at) AS deployed_at,
        argMin(d.sha, d.deployed_at) AS deployed_sha,
        argMin(d.environment, d.deployed_at) AS environment
    FROM commit_arrivals AS ca
    INNER JOIN production_deployment_branches AS d ON d.project_id = ca.project_id AND d.branch = ca.branch
    WHERE ca.arrived_at <= d.sha_arrived_at AND d.deployed_at >= ca.arrived_at
    GROUP BY ca.project_id, ca.sha
) AS m ON m.project_id = c.project_id AND m.sha = c.sha;

-- Merge to deploy, shown beside lead time: from a merge request's merge (its first merge event)
-- to the first production deployment of its project, at or after the merge, whose sha reached
-- the target branch no earlier than the merge (the merge commit's arrival when known). A
-- deployment whose sha never came in a push counts when its ref is the target branch.
CREATE VIEW IF NOT EXISTS merge_to_deploy AS
WITH
    merged AS
    (
        SELECT mr.project_id AS project_id, mr.project_path AS project_path, mr.mr_iid AS mr_iid,
            mr.target_branch AS target_branch, mr.merge_commit_sha AS merge_commit_sha, ev.merged_at AS merged_at
        FROM merge_requests AS mr FINAL
        INNER JOIN
        (
            SELECT project_id, mr_iid, min(at) AS merged_at FROM merge_request_events FINAL
            WHERE action = 'merge' GROUP BY project_id, mr_iid
        ) AS ev ON ev.project_id = mr.project_id AND ev.mr_iid = mr.mr_iid
    ),
    merged_arrival AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid,
            least(m.merged_at, if(a.sha = '', m.merged_at, a.arrived_at)) AS on_branch_at
        FROM merged AS m
        LEFT JOIN commit_arrivals AS a
            ON a.project_id = m.project_id AND a.branch = m.target_branch AND a.sha = m.merge_commit_sha
    ),
    candidates AS
    (
        SELECT project_id, deployment_key, environment, sha, deployed_at, branch, toNullable(sha_arrived_at) AS sha_arrived_at
        FROM production_deployment_branches
        UNION ALL
        SELECT project_id, deployment_key, environment, sha, deployed_at, ref AS branch, NULL AS sha_arrived_at
        FROM production_deployments
        WHERE (project_id, sha) NOT IN (SELECT project_id, sha FROM commit_arrivals)
    ),
    firsts AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, 1 AS matched,
            min(d.deployed_at) AS deployed_at, argMin(d.sha, d.deployed_at) AS deployed_sha,
            argMin(d.environment, d.deployed_at) AS environment
        FROM merged AS m
        INNER JOIN merged_arrival AS ma ON ma.project_id = m.project_id AND ma.mr_iid = m.mr_iid
        INNER JOIN candidates AS d ON d.project_id = m.project_id AND d.branch = m.target_branch
        WHERE d.deployed_at >= m.merged_at AND (d.sha_arrived_at IS NULL OR d.sha_arrived_at >= ma.on_branch_at)
        GROUP BY m.project_id, m.mr_iid
    )
SELECT m.project_id AS project_id, m.project_path AS project_path, m.mr_iid AS mr_iid,
    m.target_branch AS target_branch, m.merged_at AS merged_at,
    if(f.matched = 1, f.deployed_at, NULL) AS deployed_at,
    if(f.matched = 1, f.deployed_sha, NULL) AS deployed_sha,
    if(f.matched = 1, f.environment, NULL) AS environment,
    if(f.matched = 1, dateDiff('millisecond', m.merged_at, f.deployed_at) / 1000, NULL) AS merge_to_deploy_s
FROM merged AS m
LEFT JOIN firsts AS f ON f.project_id = m.project_id AND f.mr_iid = m.mr_iid;

-- Incidents: issues or work items of type incident, or carrying a configured incident label.
CREATE VIEW IF NOT EXISTS incidents AS
SELECT project_id, project_path, iid, title, state, labels, assumeNotNull(created_at) AS opened_at,
    if(state = 'closed', closed_at, NULL) AS closed_at
FROM issues FINAL
WHERE created_at IS NOT NULL
    AND (issue_type = 'incident'
        OR hasAny(labels, (SELECT groupArray(value) FROM metric_settings_current WHERE name = 'incident_label')));

-- Change failure: a production deployment followed, before the next production deployment to the
-- same environment, by a failed production deployment, an incident, a revert merge request (title
-- starting with Revert ") or a rollback (the next deployment redeploys a sha deployed before this
-- one). Change failure rate = countIf(failed) / count().
CREATE VIEW IF NOT EXISTS change_failure AS
WITH
    ordered AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            lagInFrame(sha) OVER w AS previous_sha,
            groupArray(sha) OVER (PARTITION BY project_id, environment ORDER BY deployed_at, deployment_key
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_shas
        FROM production_deployments
        WINDOW w AS (PARTITION BY project_id, environment ORDER BY deployed_at, deployment_key
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    deploys AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            leadInFrame(toNullable(deployed_at)) OVER w AS next_deployed_at,
            leadInFrame(toNullable(sha)) OVER w AS next_sha,
            leadInFrame(has(earlier_shas, sha) AND sha != previous_sha) OVER w AS next_is_rollback
        FROM ordered
        WINDOW w AS (PARTITION BY project_id, environment ORDER BY deployed_at, deployment_key
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    signals AS
    (
        SELECT project_id, environment, 'failed_deployment' AS kind, deployed_at AS at
        FROM production_deployment_attempts WHERE status = 'failed'
        UNION ALL
        SELECT project_id, '' AS environment, 'incident' AS kind, opened_at AS at FROM incidents
        UNION ALL
        SELECT project_id, '' AS environment, 'revert' AS kind, assumeNotNull(created_at) AS at
        FROM merge_requests FINAL WHERE startsWith(title, 'Revert "') AND created_at IS NOT NULL
    )
SELECT project_id, project_path, environment, deployment_key, sha, deployed_at, next_deployed_at,
    first_failed_deployment_at, first_incident_at, first_revert_at, rollback,
    toBool(first_failed_deployment_at IS NOT NULL) AS failed_deployment,
    toBool(first_incident_at IS NOT NULL) AS incident,
    toBool(first_revert_at IS NOT NULL) AS revert,
    toBool(failed_deployment OR incident OR revert OR rollback) AS failed
FROM
(
    SELECT d.project_id AS project_id, any(d.project_path) AS project_path, d.environment AS environment,
        d.deployment_key AS deployment_key, any(d.sha) AS sha, any(d.deployed_at) AS deployed_at,
        any(d.next_deployed_at) AS next_deployed_at,
        toBool(any(d.next_is_rollback)) AS rollback,
        minIfOrNull(s.at, s.kind = 'failed_deployment' AND s.environment = d.environment
            AND s.at > d.deployed_at AND (d.next_deployed_at IS NULL OR s.at < d.next_deployed_at)) AS first_failed_deployment_at,
        minIfOrNull(s.at, s.kind = 'incident'
            AND s.at >= d.deployed_at AND (d.next_deployed_at IS NULL OR s.at < d.next_deployed_at)) AS first_incident_at,
        minIfOrNull(s.at, s.kind = 'revert'
            AND s.at >= d.deployed_at AND (d.next_deployed_at IS NULL OR s.at < d.next_deployed_at)) AS first_revert_at
    FROM deploys AS d
    LEFT JOIN signals AS s ON s.project_id = d.project_id
    GROUP BY d.project_id, d.environment, d.deployment_key
);

-- Time to restore: an incident from opened to closed; a failed deployment (failed deployment,
-- revert or rollback) from the failure to the next successful production deployment. restored_at
-- and restore_s are NULL while not restored.
CREATE VIEW IF NOT EXISTS time_to_restore AS
SELECT 'incident' AS kind, project_id, project_path, '' AS environment, toString(iid) AS subject,
    opened_at AS failed_at, closed_at AS restored_at,
    dateDiff('millisecond', opened_at, closed_at) / 1000 AS restore_s
FROM incidents
UNION ALL
SELECT 'deployment' AS kind, project_id, project_path, environment, deployment_key AS subject,
    assumeNotNull(arrayMin(arrayFilter(x -> x IS NOT NULL,
        [first_failed_deployment_at, first_revert_at, if(rollback, toNullable(deployed_at), NULL)]))) AS failed_at,
    next_deployed_at AS restored_at,
    dateDiff('millisecond', failed_at, next_deployed_at) / 1000 AS restore_s
FROM change_failure
WHERE failed_deployment OR revert OR rollback;

-- Flaky job: the same job name of the same project failing and then passing on the same sha (no
-- new commit between the runs), typically a retry. One row per project, job name and sha.
CREATE VIEW IF NOT EXISTS flaky_jobs AS
SELECT project_id, project_path, name, sha, ref, failed_runs, successful_runs, first_failed_at,
    arrayMin(arrayFilter((t, s) -> s = 'success' AND t > first_failed_at, times, statuses)) AS passed_at
FROM
(
    SELECT project_id, any(project_path) AS project_path, name, sha, any(ref) AS ref,
        countIf(status = 'failed') AS failed_runs, countIf(status = 'success') AS successful_runs,
        minIf(t, status = 'failed') AS first_failed_at, maxIf(t, status = 'success') AS last_success_at,
        groupArray(t) AS times, groupArray(toString(status)) AS statuses
    FROM
    (
        SELECT project_id, project_path, name, sha, ref, status,
            assumeNotNull(coalesce(finished_at, started_at, created_at)) AS t
        FROM jobs FINAL
        WHERE status IN ('failed', 'success') AND sha != '' AND coalesce(finished_at, started_at, created_at) IS NOT NULL
    )
    GROUP BY project_id, name, sha
)
WHERE failed_runs > 0 AND last_success_at > first_failed_at;

-- Merge request cycle, one row per merge request: coding (first commit of the source branch to
-- open), pickup (open to the first comment or approval by someone other than the author, bots
-- excluded), review (first review to the first approval), merge (approval to merge), deploy (merge
-- to the first production deployment, as merge_to_deploy). Each phase is NULL when not reached or
-- not knowable. review_rounds: update events after the first review.
CREATE VIEW IF NOT EXISTS merge_request_cycle AS
WITH
    bots AS
    (
        SELECT groupArrayIf(value, name = 'bot_username') AS names,
            groupArrayIf(value, name = 'bot_username_suffix') AS suffixes
        FROM metric_settings_current
    ),
    ev AS
    (
        SELECT e.project_id AS project_id, e.mr_iid AS mr_iid, toString(e.action) AS action,
            e.actor_id AS actor_id, e.actor_username AS actor_username, e.at AS at,
            has((SELECT names FROM bots), e.actor_username)
                OR arrayExists(s -> endsWith(e.actor_username, s), (SELECT suffixes FROM bots)) AS by_bot
        FROM merge_request_events AS e FINAL
    ),
    opens AS
    (
        SELECT project_id, mr_iid, argMin(actor_username, at) AS author_username, min(at) AS open_event_at
        FROM ev WHERE action = 'open' GROUP BY project_id, mr_iid
    ),
    mrs AS
    (
        SELECT mr.project_id AS project_id, mr.project_path AS project_path, mr.mr_iid AS mr_iid,
            mr.title AS title, mr.state AS state, mr.author_id AS author_id,
            o.author_username AS author_username,
            coalesce(mr.created_at, if(o.author_username = '', NULL, toNullable(o.open_event_at))) AS opened_at,
            mr.source_branch AS source_branch, coalesce(mr.source_project_id, mr.project_id) AS source_project_id
        FROM merge_requests AS mr FINAL
        LEFT JOIN opens AS o ON o.project_id = mr.project_id AND o.mr_iid = mr.mr_iid
    ),
    reviews AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid,
            minIfOrNull(e.at, e.action IN ('comment', 'approved', 'approval')) AS first_review_at,
            minIfOrNull(e.at, e.action IN ('approved', 'approval')) AS approved_at
        FROM mrs AS m
        INNER JOIN ev AS e ON e.project_id = m.project_id AND e.mr_iid = m.mr_iid
        WHERE NOT e.by_bot
            AND NOT (e.actor_id IS NOT NULL AND m.author_id IS NOT NULL AND e.actor_id = m.author_id)
            AND NOT (m.author_username != '' AND e.actor_username = m.author_username)
        GROUP BY m.project_id, m.mr_iid
    ),
    first_commits AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, 1 AS known,
            min(coalesce(c.committed_at, c.pushed_at)) AS first_commit_at
        FROM mrs AS m
        INNER JOIN (SELECT project_id, branch, committed_at, pushed_at FROM commits FINAL) AS c
            ON c.project_id = m.source_project_id AND c.branch = m.source_branch
        WHERE m.opened_at IS NOT NULL AND c.pushed_at <= m.opened_at
        GROUP BY m.project_id, m.mr_iid
    ),
    rounds AS
    (
        SELECT e.project_id AS project_id, e.mr_iid AS mr_iid, count() AS review_rounds
        FROM ev AS e
        INNER JOIN reviews AS r ON r.project_id = e.project_id AND r.mr_iid = e.mr_iid
        WHERE e.action = 'update' AND r.first_review_at IS NOT NULL AND e.at > r.first_review_at
        GROUP BY e.project_id, e.mr_iid
    )
SELECT m.project_id AS project_id, m.project_path AS project_path, m.mr_iid AS mr_iid, m.title AS title,
    m.state AS state, m.author_username AS author_username,
    toBool(m.author_username != '' AND (has((SELECT names FROM bots), m.author_username)
        OR arrayExists(s -> endsWith(m.author_username, s), (SELECT suffixes FROM bots)))) AS author_is_bot,
    if(fc.known = 1, toNullable(fc.first_commit_at), NULL) AS first_commit_at,
    m.opened_at AS opened_at, r.first_review_at AS first_review_at, r.approved_at AS approved_at,
    md.merged_at AS merged_at, md.deployed_at AS deployed_at,
    dateDiff('millisecond', first_commit_at, m.opened_at) / 1000 AS coding_s,
    dateDiff('millisecond', m.opened_at, r.first_review_at) / 1000 AS pickup_s,
    dateDiff('millisecond', r.first_review_at, r.approved_at) / 1000 AS review_s,
    dateDiff('millisecond', r.approved_at, md.merged_at) / 1000 AS merge_s,
    md.merge_to_deploy_s AS deploy_s,
    coalesce(rd.review_rounds, 0) AS review_rounds
FROM mrs AS m
LEFT JOIN reviews AS r ON r.project_id = m.project_id AND r.mr_iid = m.mr_iid
LEFT JOIN first_commits AS fc ON fc.project_id = m.project_id AND fc.mr_iid = m.mr_iid
LEFT JOIN (SELECT project_id, mr_iid, toNullable(merged_at) AS merged_at, deployed_at, merge_to_deploy_s FROM merge_to_deploy) AS md
    ON md.project_id = m.project_id AND md.mr_iid = m.mr_iid
LEFT JOIN rounds AS rd ON rd.project_id = m.project_id AND rd.mr_iid = m.mr_iid;

-- Dashboard aggregate: distinct commits and authors per project and day of first push, kept up to
-- date on every insert into commits, and backfilled from the commits already there. Read with
-- uniqExactMerge (docs/metrics.md).
CREATE TABLE IF NOT EXISTS commits_daily
(
    project_id Int64 COMMENT 'GitLab project id',
    day Date COMMENT 'UTC day of the push that carried the commit',
    commits AggregateFunction(uniqExact, String) COMMENT 'Distinct commit shas (uniqExactMerge)',
    authors AggregateFunction(uniqExact, String) COMMENT 'Distinct author emails (uniqExactMerge)'
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, day)
COMMENT 'Commits and authors per project and day, as aggregate states (read with uniqExactMerge)';

CREATE MATERIALIZED VIEW IF NOT EXISTS commits_daily_mv TO commits_daily AS
SELECT project_id, toDate(pushed_at) AS day, uniqExactState(sha) AS commits, uniqExactState(author_email) AS authors
FROM commits
GROUP BY project_id, day;

INSERT INTO commits_daily
SELECT project_id, toDate(pushed_at) AS day, uniqExactState(sha) AS commits, uniqExactState(author_email) AS authors
FROM commits FINAL
GROUP BY project_id, day;
