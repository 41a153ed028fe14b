-- events.payload: ZSTD(1) instead of ZSTD(3). The projector stores every original body, so this
-- column is most of the bytes each insert and each merge of `events` compresses. On the synthetic
-- GitLab payloads level 1 compressed as well as level 3 (29.6x against 28.2x) at less CPU per
-- insert and merge (docs/benchmarks.md, "Projector throughput, session 3"); LZ4 compressed 2.6x
-- worse and was not faster. Only the codec changes: parts written before keep ZSTD(3) until a
-- merge rewrites them, and no mutation runs.
ALTER TABLE events MODIFY COLUMN payload CODEC(ZSTD(1));
