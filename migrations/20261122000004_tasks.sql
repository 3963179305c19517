-- The task queue: durable agent tasks claimed with FOR UPDATE SKIP LOCKED under a lease.
CREATE TABLE tasks (
    id               uuid PRIMARY KEY,
    task_type        text NOT NULL,
    agent            text NOT NULL,
    client_id        uuid REFERENCES clients (id) ON DELETE CASCADE,
    campaign_id      uuid REFERENCES campaigns (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
    -- 0 low, 1 normal, 2 high, 3 urgent: claimed highest first.
    priority         smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
    input            jsonb NOT NULL DEFAULT '{}'::jsonb,
    output           jsonb,
    error            text,
    -- Why it failed, in a word the coordinator and the circuit read: agent, disabled, circuit, dependency,
    -- input, attempts.
    error_kind       text,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_after        timestamptz NOT NULL DEFAULT now(),
    -- Tasks that must complete first (a campaign's graph, so always tasks of the same campaign); a failed
    -- or cancelled one fails this one. Dependents are found through tasks_campaign_idx.
    depends_on       uuid[] NOT NULL DEFAULT '{}',
    locked_by        text,
    lease_until      timestamptz,
    cancel_requested boolean NOT NULL DEFAULT false,
    llm_prompt_tokens     integer NOT NULL DEFAULT 0,
    llm_completion_tokens integer NOT NULL DEFAULT 0,
    llm_cost         double precision NOT NULL DEFAULT 0,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    duration_ms      integer
);
-- The claim query walks this index: ready tasks, highest priority first, oldest first.
CREATE INDEX tasks_ready_idx ON tasks (priority DESC, run_after, created_at) WHERE status = 'pending';
CREATE INDEX tasks_expired_lease_idx ON tasks (lease_until) WHERE status = 'in_progress';
CREATE INDEX tasks_client_idx ON tasks (client_id, created_at DESC);
CREATE INDEX tasks_campaign_idx ON tasks (campaign_id, created_at DESC);
CREATE INDEX tasks_agent_finished_idx ON tasks (agent, finished_at DESC);
CREATE INDEX tasks_created_idx ON tasks (created_at DESC, id);

-- Admins switch agents off here; an agent with no row is enabled.
CREATE TABLE agent_settings (
    agent      text PRIMARY KEY,
    enabled    boolean NOT NULL,
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
