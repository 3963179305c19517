-- Answers of API creates made with an `Idempotency-Key`, per user: the same key with the same request gets
-- the same answer again (nothing is created twice); with another request, a 422. Kept 24 hours.
CREATE TABLE api_idempotency (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       smallint NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);
