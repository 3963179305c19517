-- Each client's latest completed site audit as of a time (the dashboard's health and open alerts).
CREATE INDEX crawls_site_latest_idx ON crawls (client_id, finished_at DESC) WHERE kind = 'site' AND status = 'completed';
