-- Issues (and work items: incidents among them) and releases, latest state per key.
-- issues version = updated_at in ms * 10 + state rank (opened 1, closed 2), as for merge requests.
CREATE TABLE IF NOT EXISTS issues
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    iid Int64 COMMENT 'Issue iid within the project (the id when a sender has no iid)',
    issue_id Nullable(Int64) COMMENT 'Global issue id',
    title String COMMENT 'Title',
    issue_type LowCardinality(String) COMMENT 'issue, incident, task, ... (issue when not sent)',
    state LowCardinality(String) COMMENT 'opened or closed',
    labels Array(String) COMMENT 'Label titles',
    author_id Nullable(Int64) COMMENT 'User id of the author',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the issue was opened',
    updated_at DateTime64(3, 'UTC') COMMENT 'updated_at of the latest event (else when it happened or was received)',
    closed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'closed_at as sent, or updated_at of a close action',
    url String COMMENT 'Web URL',
    version UInt64 COMMENT 'updated_at in ms * 10 + state rank: the latest update wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, iid)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Issues and work items, latest state per project and iid (read with FINAL)';

-- releases version = received_at in ms: a Release Hook has no updated_at, the latest delivery wins.
CREATE TABLE IF NOT EXISTS releases
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    tag String COMMENT 'Tag of the release',
    release_id Nullable(Int64) COMMENT 'Release id',
    name String COMMENT 'Release name',
    action LowCardinality(String) COMMENT 'Latest action: create, update or delete',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the release was created',
    released_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the release is or was released',
    sha String COMMENT 'Commit of the tag',
    url String COMMENT 'Web URL',
    version UInt64 COMMENT 'received_at in ms: the latest delivery wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, tag)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Releases, latest state per project and tag (read with FINAL)';
