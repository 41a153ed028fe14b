-- Every event of the log, whatever its kind, with the original JSON: anything not modelled today
-- can be queried or projected later. ReplacingMergeTree on event_id folds retried deliveries and
-- replays into one row (read with FINAL for exact counts).
CREATE TABLE IF NOT EXISTS events
(
    event_id String COMMENT 'Stable id: Idempotency-Key, else SHA-256 of source, event header and body',
    source LowCardinality(String) COMMENT 'gitlab, gitswarm or atomgit',
    kind LowCardinality(String) COMMENT 'Normalised kind: push, tag_push, merge_request, note, pipeline, job, deployment, release, issue, ...',
    event_header LowCardinality(String) COMMENT 'The X-Gitlab-Event / X-AtomGit-Event header as sent, empty for GitLab 6',
    instance String COMMENT 'X-Gitlab-Instance: the sending GitLab instance URL, when sent',
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace, e.g. group/project',
    group_path String COMMENT 'Top-level group of the project',
    occurred_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the change happened, from the payload, in UTC',
    received_at DateTime64(3, 'UTC') COMMENT 'When the ingest accepted the delivery',
    payload String COMMENT 'The original request body, as received' CODEC(ZSTD(3)),
    kafka_partition UInt32 COMMENT 'Partition of the event in the log',
    kafka_offset UInt64 COMMENT 'Offset of the event in the log'
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (event_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Every webhook event of the log, one row per event id';
