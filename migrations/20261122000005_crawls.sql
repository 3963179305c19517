-- Crawls of a client's site (and of its competitors), with pages, links, text samples and issues streamed in
-- as the crawl goes; and the recurring audit schedule per client.
CREATE TABLE crawls (
    id           uuid PRIMARY KEY,
    client_id    uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    task_id      uuid REFERENCES tasks (id) ON DELETE SET NULL,
    -- 'site': the client's own website; 'competitor': a bounded crawl of one competitor domain.
    kind         text NOT NULL DEFAULT 'site' CHECK (kind IN ('site', 'competitor')),
    start_url    text NOT NULL,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    max_pages    integer NOT NULL,
    max_depth    integer NOT NULL,
    pages_done   integer NOT NULL DEFAULT 0,
    queued       integer NOT NULL DEFAULT 0,
    fetch_errors integer NOT NULL DEFAULT 0,
    -- Set when the crawl completes.
    health       double precision,
    html_pages   integer,
    score        jsonb,
    error_count   integer,
    warning_count integer,
    notice_count  integer,
    -- Why it ended early: max_pages, time_budget, cancelled; and the failure when it failed.
    stopped      text,
    error        text,
    robots_txt_found boolean,
    sitemap_found    boolean,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX crawls_client_idx ON crawls (client_id, started_at DESC);
CREATE INDEX crawls_task_idx ON crawls (task_id);

CREATE TABLE crawl_pages (
    crawl_id         uuid NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    -- 1, 2, ... in the order fetches finished.
    id               integer NOT NULL,
    url              text NOT NULL,
    final_url        text NOT NULL,
    -- 0 when the fetch failed (see error).
    status           smallint NOT NULL,
    depth            integer NOT NULL,
    ttfb_ms          integer NOT NULL,
    bytes            bigint NOT NULL,
    content_type     text,
    title            text,
    meta_description text,
    -- The first H1's text, and how many H1s there are.
    h1               text,
    h1_count         integer NOT NULL DEFAULT 0,
    word_count       integer NOT NULL DEFAULT 0,
    canonical        text,
    content_hash     text,
    json_ld          boolean NOT NULL DEFAULT false,
    html             boolean NOT NULL DEFAULT false,
    indexable        boolean NOT NULL DEFAULT false,
    in_sitemap       boolean NOT NULL DEFAULT false,
    internal_links   integer NOT NULL DEFAULT 0,
    external_links   integer NOT NULL DEFAULT 0,
    error            text,
    -- Issue counts, filled in when the crawl's checks finish.
    errors           integer NOT NULL DEFAULT 0,
    warnings         integer NOT NULL DEFAULT 0,
    notices          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (crawl_id, id)
);
CREATE INDEX crawl_pages_url_idx ON crawl_pages (crawl_id, url);
CREATE INDEX crawl_pages_status_idx ON crawl_pages (crawl_id, status, id);

-- Every link of every crawled HTML page, once per (page, target, anchor).
CREATE TABLE crawl_links (
    crawl_id  uuid NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    from_page integer NOT NULL,
    to_url    text NOT NULL,
    anchor    text NOT NULL,
    nofollow  boolean NOT NULL,
    internal  boolean NOT NULL
);
CREATE INDEX crawl_links_from_idx ON crawl_links (crawl_id, from_page);

-- Visible text of the first pages of a crawl (bounded), for content analysis.
CREATE TABLE crawl_texts (
    crawl_id uuid NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    page_id  integer NOT NULL,
    text     text NOT NULL,
    PRIMARY KEY (crawl_id, page_id)
);

CREATE TABLE crawl_issues (
    crawl_id uuid NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    id       bigserial,
    check_id text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('error', 'warning', 'notice')),
    category text NOT NULL,
    url      text NOT NULL,
    detail   text NOT NULL,
    PRIMARY KEY (crawl_id, id)
);
CREATE INDEX crawl_issues_check_idx ON crawl_issues (crawl_id, check_id, url, id);
CREATE INDEX crawl_issues_url_idx ON crawl_issues (crawl_id, url);

-- A recurring audit per client: the scheduler queues a technical SEO audit when next_run_at passes.
CREATE TABLE audit_schedules (
    client_id   uuid PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    cadence     text NOT NULL CHECK (cadence IN ('weekly', 'monthly')),
    next_run_at timestamptz NOT NULL,
    last_task_id uuid REFERENCES tasks (id) ON DELETE SET NULL,
    updated_by  uuid REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_schedules_due_idx ON audit_schedules (next_run_at);
