-- Users and the events table (activity feed, audit trail, outbox).
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'account_manager', 'staff')),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    -- Bumped when a user's sessions must end (deactivation, password change); sessions carry the value.
    session_version integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_active_idx ON users (role, active);

CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id),
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_target_idx ON events (target_type, target_id, id);
CREATE INDEX events_action_idx ON events (action text_pattern_ops, id);
