-- The client portal: a fourth role, client, for people at one of the agency's clients; their invitations;
-- and the messages between a client's people and the agency.

-- A client user belongs to one company. Deleting the company deactivates its users first (the store does,
-- in the delete's transaction) and then leaves them without one: they can sign in to nothing.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'account_manager', 'staff', 'client'));
ALTER TABLE users ADD COLUMN client_id uuid REFERENCES clients (id) ON DELETE SET NULL;
ALTER TABLE users ADD CONSTRAINT users_client_only_for_clients CHECK (client_id IS NULL OR role = 'client');
ALTER TABLE users ADD CONSTRAINT users_client_has_company CHECK (role <> 'client' OR client_id IS NOT NULL OR NOT active);
CREATE INDEX users_client_idx ON users (client_id) WHERE client_id IS NOT NULL;

-- An invitation: the link carries a random token; only its SHA-256 is kept. One use, until it expires or
-- is withdrawn.
CREATE TABLE portal_invites (
    id          uuid PRIMARY KEY,
    client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email       text NOT NULL,
    name        text NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  timestamptz
);
CREATE INDEX portal_invites_client_idx ON portal_invites (client_id, created_at DESC);

-- One conversation per client: its people write to the agency, the agency answers.
CREATE TABLE messages (
    id          uuid PRIMARY KEY,
    client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    from_client boolean NOT NULL,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    -- A client's message: the task drafting the agency's answer. An agency answer: the draft it began from.
    task_id     uuid REFERENCES tasks (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_client_idx ON messages (client_id, created_at, id);
CREATE INDEX messages_latest_idx ON messages (created_at DESC);
