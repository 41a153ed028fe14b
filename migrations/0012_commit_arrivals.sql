-- Lead time for changes and merge to deploy, same definitions (docs/metrics.md), computed from
-- tables kept at insert time instead of from the push payloads on every read.
--
-- commit_arrivals (0007) parsed the JSON of every push event (events FINAL) on every read. The
-- same facts come in with the projected rows: each commits row is a commit a branch push listed,
-- with that push's branch and receipt time, and each pushes row has the pushed head (after).
-- branch_arrivals keeps the earliest receipt per project, sha and branch from both.
CREATE TABLE IF NOT EXISTS branch_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit',
    branch String COMMENT 'Branch the commit reached',
    arrived_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'First receipt of a push that carried it there'
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, sha, branch)
COMMENT 'When each commit first reached each branch, from the commits a branch push listed and its head (read with min(arrived_at) GROUP BY)';

CREATE MATERIALIZED VIEW IF NOT EXISTS branch_arrivals_from_commits TO branch_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit',
    branch String COMMENT 'Branch of the push that listed it',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When that push was received'
)
AS SELECT project_id, sha, branch, pushed_at AS arrived_at
FROM commits
WHERE branch != '' AND sha != '' AND sha != repeat('0', 40)
COMMENT 'Adds each commit a branch push listed to branch_arrivals';

CREATE MATERIALIZED VIEW IF NOT EXISTS branch_arrivals_from_pushes TO branch_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Pushed head (after)',
    branch String COMMENT 'Branch pushed',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When the push was received'
)
AS SELECT project_id, after AS sha, branch, pushed_at AS arrived_at
FROM pushes
WHERE NOT is_tag AND branch != '' AND after != '' AND after != repeat('0', 40)
COMMENT 'Adds the head of each branch push to branch_arrivals';

-- The arrivals of the commits some deployment deployed (any environment or status, so settings
-- can change which count), for production_deployment_branches: a few rows per deployment instead
-- of a lookup into every arrival. Kept from both sides like deployment_job_pipelines (0011).
CREATE TABLE IF NOT EXISTS deployed_commit_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit some deployment deployed',
    branch String COMMENT 'Branch the commit reached',
    arrived_at SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT 'First receipt of a push that carried it there'
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, sha, branch)
COMMENT 'branch_arrivals of the commits that deployments name (read with min(arrived_at) GROUP BY)';

CREATE MATERIALIZED VIEW IF NOT EXISTS deployed_commit_arrivals_from_arrivals TO deployed_commit_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit',
    branch String COMMENT 'Branch',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When it arrived there'
)
AS SELECT project_id, sha, branch, arrived_at
FROM branch_arrivals
WHERE (project_id, sha) IN (SELECT project_id, sha FROM deployments)
COMMENT 'Adds each inserted arrival of a deployed commit to deployed_commit_arrivals';

CREATE MATERIALIZED VIEW IF NOT EXISTS deployed_commit_arrivals_from_deployments TO deployed_commit_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit',
    branch String COMMENT 'Branch',
    arrived_at DateTime64(3, 'UTC') COMMENT 'When it arrived there'
)
AS SELECT a.project_id AS project_id, a.sha AS sha, a.branch AS branch, a.arrived_at AS arrived_at
FROM deployments AS d
INNER JOIN
(
    SELECT project_id, sha, branch, min(arrived_at) AS arrived_at
    FROM branch_arrivals
    WHERE (project_id, sha) IN (SELECT project_id, sha FROM deployments)
    GROUP BY project_id, sha, branch
) AS a ON a.project_id = d.project_id AND a.sha = d.sha
COMMENT 'Adds the arrivals of the commit an inserted deployment names to deployed_commit_arrivals';

INSERT INTO branch_arrivals
SELECT project_id, sha, branch, pushed_at
FROM commits
WHERE branch != '' AND sha != '' AND sha != repeat('0', 40);

INSERT INTO branch_arrivals
SELECT project_id, after, branch, pushed_at
FROM pushes
WHERE NOT is_tag AND branch != '' AND after != '' AND after != repeat('0', 40);

INSERT INTO deployed_commit_arrivals
SELECT project_id, sha, branch, min(arrived_at)
FROM branch_arrivals
WHERE (project_id, sha) IN (SELECT project_id, sha FROM deployments)
GROUP BY project_id, sha, branch;

CREATE OR REPLACE VIEW commit_arrivals
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch the commit reached',
    sha String COMMENT 'Commit',
    arrived_at DateTime64(3, 'UTC') COMMENT 'First receipt of the first push that carried it there'
)
AS SELECT project_id, branch, sha, min(arrived_at) AS arrived_at
FROM branch_arrivals
GROUP BY project_id, branch, sha
COMMENT 'When each commit first reached each branch, from the pushes that listed it (at most 20 a push) or pushed it as head';

CREATE OR REPLACE VIEW production_deployment_branches
(
    project_id Int64 COMMENT 'GitLab project id',
    environment String COMMENT 'Environment name',
    deployment_key String COMMENT 'Key of the deployment row in deployments',
    sha String COMMENT 'Commit deployed',
    deployed_at DateTime64(3, 'UTC') COMMENT 'When it was deployed',
    branch String COMMENT 'A branch the deployed commit reached',
    sha_arrived_at DateTime64(3, 'UTC') COMMENT 'When the deployed commit reached that branch'
)
AS SELECT d.project_id AS project_id, d.environment AS environment, d.deployment_key AS deployment_key,
    d.sha AS sha, d.deployed_at AS deployed_at, a.branch AS branch, a.arrived_at AS sha_arrived_at
FROM production_deployments AS d
INNER JOIN
(
    SELECT project_id, sha, branch, min(arrived_at) AS arrived_at
    FROM deployed_commit_arrivals
    GROUP BY project_id, sha, branch
) AS a ON a.project_id = d.project_id AND a.sha = d.sha
COMMENT 'Production deployments with every branch their commit reached, and when';

-- Lead time, as in 0007: a deployment of sha S contains commit C when C reached some branch no
-- later than S reached it, and the deployment happened after C reached it. With
-- m = least(S's arrival on the branch, deployment time), that is: C's arrival <= m. So for each
-- branch, the first containing deployment of an arrival a is the earliest deployment among those
-- with m >= a: a running minimum over the branch's deployments in descending m (peers included),
-- found for each arrival with an ASOF join on m instead of joining every arrival with every later
-- deployment of its branch. Ties in deployment time may pick another of the tied deployments'
-- sha or environment, as argMin over the pairs could.
CREATE OR REPLACE VIEW lead_time_for_changes
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit',
    first_branch String COMMENT 'Branch of its first push',
    first_pushed_at DateTime64(3, 'UTC') COMMENT 'When it was first pushed',
    deployed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First production deployment containing it, null while not deployed',
    deployed_sha Nullable(String) COMMENT 'Commit that deployment deployed',
    environment Nullable(String) COMMENT 'Environment of that deployment',
    lead_time_s Nullable(Float64) COMMENT 'Seconds from first push to deployment, null while not deployed'
)
AS WITH
    firsts AS
    (
        SELECT project_id, branch, m,
            min(deployed_at) OVER w AS first_deployed_at,
            argMin(sha, deployed_at) OVER w AS first_sha,
            argMin(environment, deployed_at) OVER w AS first_environment
        FROM
        (
            SELECT project_id, branch, least(sha_arrived_at, deployed_at) AS m, deployed_at, sha, environment
            FROM production_deployment_branches
        )
        WINDOW w AS (PARTITION BY project_id, branch ORDER BY m DESC
            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    matches AS
    (
        SELECT a.project_id AS project_id, a.sha AS sha, 1 AS matched,
            min(f.first_deployed_at) AS deployed_at,
            argMin(f.first_sha, f.first_deployed_at) AS deployed_sha,
            argMin(f.first_environment, f.first_deployed_at) AS environment
        FROM commit_arrivals AS a
        ASOF INNER JOIN firsts AS f
            ON f.project_id = a.project_id AND f.branch = a.branch AND a.arrived_at <= f.m
        GROUP BY a.project_id, a.sha
    )
SELECT c.project_id AS project_id, c.project_path AS project_path, c.sha AS sha, c.branch AS first_branch,
    c.pushed_at AS first_pushed_at,
    if(m.matched = 1, m.deployed_at, NULL) AS deployed_at,
    if(m.matched = 1, m.deployed_sha, NULL) AS deployed_sha,
    if(m.matched = 1, m.environment, NULL) AS environment,
    if(m.matched = 1, dateDiff('millisecond', c.pushed_at, m.deployed_at) / 1000, NULL) AS lead_time_s
FROM commits AS c FINAL
LEFT JOIN matches AS m ON m.project_id = c.project_id AND m.sha = c.sha
COMMENT 'Lead time for changes (docs/metrics.md): each commit from its first push to the first production deployment containing it';
