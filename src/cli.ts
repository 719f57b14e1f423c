#!/usr/bin/env node
// Entry point of the `honeyray` bin. DuckDB runs every query, commit and checkpoint on libuv's thread
// pool, which is shared by the whole process and has 4 threads by default: with commits, a background
// checkpoint and API reads in flight, BEGIN waited behind them (measured: 78k -> 102k spans/s in
// bench:ingest with 16 threads). The pool size is read once, at its first use, so it is set here,
// before anything else is loaded.
process.env.UV_THREADPOOL_SIZE ??= '16';
await import('./app/cli-main.js');
