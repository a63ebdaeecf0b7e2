"""Run limits with their defaults, importable without the heavy stages (the CLI reads them
to build its options, and `scrutiny --help` must start fast)."""

# Memory (MB) one worker process may take beyond what it holds when it starts; 0 = no cap
# (`ingest --max-memory`).
DEFAULT_MAX_MEMORY = 2048
