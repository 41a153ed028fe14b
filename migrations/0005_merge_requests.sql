-- Merge requests: the latest state per (project_id, mr_iid), and every transition.
-- merge_requests version = updated_at in ms * 10 + state rank (opened 1, closed 2, merged 3): out of
-- order events fold to the latest update, and at the same instant merged beats closed beats opened.
CREATE TABLE IF NOT EXISTS merge_requests
(
    project_id Int64 COMMENT 'GitLab project id (the target project), 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    mr_iid Int64 COMMENT 'Merge request iid within the project (the id when a sender has no iid)',
    mr_id Nullable(Int64) COMMENT 'Global merge request id',
    title String COMMENT 'Title',
    state LowCardinality(String) COMMENT 'opened, closed, merged or locked',
    author_id Nullable(Int64) COMMENT 'User id of the author',
    source_branch String COMMENT 'Source branch',
    target_branch String COMMENT 'Target branch',
    source_project_id Nullable(Int64) COMMENT 'Project of the source branch (differs for forks)',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the merge request was opened',
    updated_at DateTime64(3, 'UTC') COMMENT 'updated_at of the latest event (else when it happened or was received)',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'merged_at as sent, or updated_at of a merge action: exact merge times are in merge_request_events',
    closed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'closed_at as sent, or updated_at of a close action',
    merge_commit_sha String COMMENT 'Merge commit, when sent',
    url String COMMENT 'Web URL',
    draft Bool COMMENT 'Draft (work in progress)',
    labels Array(String) COMMENT 'Label titles',
    version UInt64 COMMENT 'updated_at in ms * 10 + state rank: the latest update wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, mr_iid)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Merge requests, latest state per project and iid (read with FINAL)';

-- One row per (event, action): a redelivered or replayed event folds into its twin.
CREATE TABLE IF NOT EXISTS merge_request_events
(
    event_id String COMMENT 'Event id of the delivery',
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    action LowCardinality(String) COMMENT 'open, update, approved, unapproved, approval, unapproval, merge, close, reopen; comment or system_note from a Note Hook; empty when the sender names none',
    actor_id Nullable(Int64) COMMENT 'User id of who did it (the note author for comments)',
    actor_username String COMMENT 'Username of who did it',
    actor_name String COMMENT 'Name of who did it',
    at DateTime64(3, 'UTC') COMMENT 'When: updated_at of a merge request event, created_at of a note',
    note_id Nullable(Int64) COMMENT 'Note id for comment and system_note rows'
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, mr_iid, event_id, action)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every merge request transition and comment, one row per event and action (read with FINAL)';
