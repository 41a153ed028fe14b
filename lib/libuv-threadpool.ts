// Imported first by every entry point, before anything uses libuv's thread pool, which reads
// UV_THREADPOOL_SIZE once, when it starts.
//
// The embedded engine runs each query and insert of every session on that pool, and a query holds
// its thread until it ends. Node's default of 4 threads is fewer than one process's sessions (the
// projector's 3, the dashboards' DASHBOARDS_SESSIONS, the SQL endpoint's SQL_MAX_CONCURRENT_QUERIES),
// so two dashboards queries were enough to make the projector's inserts queue for a thread:
// freshness p95 at 1,000 deliveries/s rose from 2.0-2.6 s to 3.1-3.7 s, and with 16 threads it
// stayed at 2.3-2.5 s (docs/benchmarks.md, "Freshness while the dashboards read"). The threads
// mostly wait, so the size is generous; a UV_THREADPOOL_SIZE set by the user wins.
process.env.UV_THREADPOOL_SIZE ??= '64'
