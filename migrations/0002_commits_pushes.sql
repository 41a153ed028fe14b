-- Commits and pushes, from Push Hooks (and Tag Push Hooks for pushes).
-- commits: one row per (project_id, sha). GitLab pushes carry no push time, so pushed_at is when
-- ingest received the push. Lead time runs from a commit's FIRST appearance, so the first push must
-- win: version = 10^13 - received_at (ms), greatest for the earliest receipt, and ReplacingMergeTree
-- keeps the greatest version. A retried delivery, a redelivered batch and a replay carry the same
-- received_at, so they fold into the same row. Read with FINAL (or argMax by version).
-- No PARTITION BY on a time that differs between deliveries of the same key: FINAL must see twins.
CREATE TABLE IF NOT EXISTS commits
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit id (full SHA)',
    author_name String COMMENT 'Commit author name as the push names it',
    author_email String COMMENT 'Commit author email as the push names it',
    committed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Commit timestamp from the push, in UTC',
    message String COMMENT 'Full commit message',
    title String COMMENT 'First line of the commit message',
    files_added UInt32 COMMENT 'Number of files the commit added',
    files_modified UInt32 COMMENT 'Number of files the commit modified',
    files_removed UInt32 COMMENT 'Number of files the commit removed',
    branch String COMMENT 'Branch of the first push that carried the commit (ref without refs/heads/)',
    pushed_at DateTime64(3, 'UTC') COMMENT 'When ingest received the first push that carried the commit',
    event_id String COMMENT 'Event id of that push',
    version UInt64 COMMENT '10^13 - received_at in ms: the earliest push has the greatest version and wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, sha)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Commits by their first push, one row per project and sha (read with FINAL). A push lists at most 20 commits';

-- pushes: one row per push or tag push event. A retried delivery has the same event_id and a new
-- received_at: the first receipt wins, as for commits.
CREATE TABLE IF NOT EXISTS pushes
(
    event_id String COMMENT 'Event id of the push',
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    ref String COMMENT 'Full ref, e.g. refs/heads/main or refs/tags/v1.0',
    branch String COMMENT 'Branch name (ref without refs/heads/), empty for a tag',
    is_tag Bool COMMENT 'True for a tag push',
    before String COMMENT 'Ref target before the push (all zeros when the ref was created)',
    after String COMMENT 'Ref target after the push (all zeros when the ref was deleted)',
    user_name String COMMENT 'Name of the user who pushed',
    user_username String COMMENT 'Username of the user who pushed',
    commit_count UInt32 COMMENT 'total_commits_count: the real number of commits, not capped at 20',
    pushed_at DateTime64(3, 'UTC') COMMENT 'When ingest received the push (the payload has no push time)',
    version UInt64 COMMENT '10^13 - received_at in ms: the first receipt of a redelivered push wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Pushes and tag pushes, one row per event (read with FINAL)';
