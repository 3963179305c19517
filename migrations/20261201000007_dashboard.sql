-- The dashboard reads windows of time: tasks by when they finished, site audits by when they completed,
-- and crawl pages by when they were fetched (the crawl-rate chart).
ALTER TABLE crawl_pages ADD COLUMN fetched_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX tasks_finished_idx ON tasks (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX crawls_finished_idx ON crawls (finished_at) WHERE status = 'completed';
CREATE INDEX crawls_running_idx ON crawls (client_id) WHERE status = 'running';
