-- Every project path with the project ids it was seen with, for the dashboards' project and group
-- filter (services/dashboards/filters.ts). A panel names a project by path or by id; the filter
-- `project_path = X OR toString(project_id) = X` cannot use a table key that starts with project_id,
-- so the dashboards resolve X to ids here first (`project_id IN (SELECT project_id FROM
-- project_paths WHERE ...)`) and the key prunes. A few rows per project: each table a panel filters
-- feeds it on every insert, so a path is here as soon as a row with it is anywhere.
CREATE TABLE IF NOT EXISTS project_paths
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace, as some row of a projected table names it'
)
ENGINE = ReplacingMergeTree
ORDER BY (project_path, project_id)
COMMENT 'Each (project path, project id) pair seen in the projected tables, for the dashboards'' project filter';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_events TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM events
COMMENT 'Adds the project of every event inserted into events to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_commits TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM commits
COMMENT 'Adds the project of every row inserted into commits to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_pipelines TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM pipelines
COMMENT 'Adds the project of every row inserted into pipelines to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_jobs TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM jobs
COMMENT 'Adds the project of every row inserted into jobs to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_deployments TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM deployments
COMMENT 'Adds the project of every row inserted into deployments to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_merge_requests TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM merge_requests
COMMENT 'Adds the project of every row inserted into merge_requests to project_paths';

CREATE MATERIALIZED VIEW IF NOT EXISTS project_paths_from_issues TO project_paths
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace'
)
AS SELECT DISTINCT project_id, project_path FROM issues
COMMENT 'Adds the project of every row inserted into issues to project_paths';

-- The rows already there (the views above are created first, so nothing inserted meanwhile is
-- missed; a pair inserted twice folds).
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM events;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM commits;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM pipelines;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM jobs;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM deployments;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM merge_requests;
INSERT INTO project_paths SELECT DISTINCT project_id, project_path FROM issues;
