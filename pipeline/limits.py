"""Run limits with their defaults, importable without the heavy stages (the CLI reads them
to build its options, and `scrutiny --help` must start fast)."""

# Memory (MB) one worker process may take beyond what it holds when it starts; 0 = no cap
# (`ingest --max-memory`).
DEFAULT_MAX_MEMORY = 2048
MIN_WORKER_MEMORY = 64  # a smaller cap leaves a worker no room to report that it ran out
# Seconds one file may take (`ingest --timeout`, `inspect --timeout`); 0 = none.
DEFAULT_TIMEOUT = 600.0

# `scrutiny query`: seconds a query may run, memory (MB) DuckDB may use, rows it may return
# (`--timeout`, `--max-memory`, `--max-rows`).
QUERY_TIMEOUT = 60.0
QUERY_MAX_MEMORY = 2048
QUERY_MAX_ROWS = 1_000_000
