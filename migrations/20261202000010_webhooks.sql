-- Outgoing webhooks (Standard Webhooks): endpoints, one message per event and endpoint, and every attempt.
CREATE TABLE webhook_endpoints (
    id                    uuid PRIMARY KEY,
    url                   text NOT NULL,
    description           text NOT NULL DEFAULT '',
    event_types           text[] NOT NULL,
    active                boolean NOT NULL DEFAULT true,
    -- Why the endpoint was switched off by the dispatcher (410 Gone, or failing for days); NULL otherwise.
    disabled_reason       text,
    -- `whsec_…`: signs every message. During a rotation's overlap the previous secret signs too.
    secret                text NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    secret_rotated_at     timestamptz,
    -- Set by the first failed attempt after a success, cleared by the next success.
    failing_since         timestamptz,
    created_by            uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- One message per (endpoint, event): `msg_id` is the `webhook-id` header, the same on every attempt.
-- `event_id` is NULL for test messages. `status`: pending (waiting for `next_attempt_at`), delivered, or
-- failed (the retry schedule is spent). A claimed message has `locked_until` in the future.
CREATE TABLE webhook_messages (
    id               bigserial PRIMARY KEY,
    msg_id           text NOT NULL UNIQUE,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         bigint,
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
-- The dispatcher's claim: due pending messages of one endpoint, oldest first.
CREATE INDEX webhook_messages_due_idx ON webhook_messages (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id  uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    status_code  integer,
    error        text,
    duration_ms  integer NOT NULL,
    -- The first 1 KB of the answer's body.
    response     text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id DESC);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id, id);

-- How far the dispatcher has turned events into messages: every event up to `last_event_id` is done
-- (or was a gap left by a rolled-back transaction). Starts at the newest event, so history is not sent.
CREATE TABLE webhook_cursor (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_event_id bigint NOT NULL
);
INSERT INTO webhook_cursor (last_event_id) SELECT COALESCE(max(id), 0) FROM events;
