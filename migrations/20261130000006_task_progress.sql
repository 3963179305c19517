-- When a running task's own work last moved (the worker's stall watchdog reports it with each heartbeat);
-- /ready counts running tasks without progress.
ALTER TABLE tasks ADD COLUMN progress_at timestamptz;
