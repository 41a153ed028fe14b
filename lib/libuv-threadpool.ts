// Imported first by every entry point, before anything uses libuv's thread pool, which reads
// UV_THREADPOOL_SIZE once, when it starts.
//
// The embedded engine runs each query and insert of every session on that pool, and a query holds
// its thread until it ends. Node's default of 4 threads is fewer than one process's sessions (the
// projector's 3, the dashboards' DASHBOARDS_SESSIONS, the SQL endpoint's SQL_MAX_CONCURRENT_QUERIES),
// so two dashboards queries were enough to make the projector's inserts queue for a thread:
// with them, freshness p95 at 1,000 deliveries/s was 4.1 s with 4 threads and 2.4-2.9 s with 64
// (docs/benchmarks.md, "Freshness while the dashboards read"). The threads mostly wait, so the
// size is generous; a UV_THREADPOOL_SIZE set by the user wins.
process.env.UV_THREADPOOL_SIZE ??= '64'
