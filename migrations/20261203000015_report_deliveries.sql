-- Reports sent by email: each client's schedule (weekly on a weekday or monthly on a day, at an hour UTC),
-- and every delivery, scheduled or sent by hand. A delivery's state while it is under way and its last
-- error come from its task (the task engine retries it); the row itself records what was sent.
CREATE TABLE report_schedules (
    client_id   uuid PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    cadence     text NOT NULL CHECK (cadence IN ('weekly', 'monthly')),
    -- Weekly: ISO weekday, 1 Monday .. 7 Sunday. Monthly: day of the month, 1 .. 28.
    day         smallint NOT NULL CHECK (day BETWEEN 1 AND 28),
    hour        smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    recipients  text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 10),
    template_id uuid REFERENCES report_templates (id) ON DELETE SET NULL,
    enabled     boolean NOT NULL DEFAULT true,
    next_run_at timestamptz NOT NULL,
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_at) WHERE enabled;

CREATE TABLE report_deliveries (
    id           uuid PRIMARY KEY,
    client_id    uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    task_id      uuid REFERENCES tasks (id) ON DELETE SET NULL,
    trigger      text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    period_from  date NOT NULL,
    period_to    date NOT NULL,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'custom')),
    template_id  uuid REFERENCES report_templates (id) ON DELETE SET NULL,
    recipients   text[] NOT NULL,
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Set once the message left: through SMTP (the server's answer) or into the outbox folder (its file).
    sent_at      timestamptz,
    subject      text,
    bytes        integer,
    smtp_reply   text,
    outbox_file  text
);
CREATE INDEX report_deliveries_client_idx ON report_deliveries (client_id, created_at DESC);
CREATE INDEX report_deliveries_created_idx ON report_deliveries (created_at DESC);
