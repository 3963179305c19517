-- Clients, campaigns, and the client an event belongs to (for activity feeds and portfolio scoping).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE clients (
    id                       uuid PRIMARY KEY,
    company_name             text NOT NULL,
    website                  text NOT NULL,
    domain                   text NOT NULL,
    industry                 text NOT NULL,
    country                  text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    annual_revenue           bigint CHECK (annual_revenue >= 0),
    employee_count           integer CHECK (employee_count >= 0),
    stage                    text NOT NULL,
    monthly_value            bigint NOT NULL DEFAULT 0 CHECK (monthly_value >= 0),
    account_manager_id       uuid REFERENCES users (id),
    competitor_domains       text[] NOT NULL DEFAULT '{}',
    contact_name             text NOT NULL DEFAULT '',
    contact_email            text NOT NULL DEFAULT '',
    contact_phone            text NOT NULL DEFAULT '',
    lead_budget              bigint,
    lead_timeline            text,
    lead_decision_maker_role text NOT NULL DEFAULT '',
    lead_pain_points         text NOT NULL DEFAULT '',
    lead_source              text NOT NULL DEFAULT '',
    notes                    text NOT NULL DEFAULT '',
    created_by               uuid REFERENCES users (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_by               uuid REFERENCES users (id),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
-- What the list's filters and sorts use.
CREATE INDEX clients_name_idx ON clients (lower(company_name), id);
CREATE INDEX clients_industry_idx ON clients (industry);
CREATE INDEX clients_country_idx ON clients (country);
CREATE INDEX clients_stage_idx ON clients (stage);
CREATE INDEX clients_manager_idx ON clients (account_manager_id, lower(company_name));
CREATE INDEX clients_revenue_idx ON clients (annual_revenue);
CREATE INDEX clients_employees_idx ON clients (employee_count);
CREATE INDEX clients_monthly_value_idx ON clients (monthly_value);
CREATE INDEX clients_created_idx ON clients (created_at);
CREATE INDEX clients_name_trgm_idx ON clients USING gin (company_name gin_trgm_ops);
CREATE INDEX clients_domain_trgm_idx ON clients USING gin (domain gin_trgm_ops);

CREATE TABLE campaigns (
    id          uuid PRIMARY KEY,
    client_id   uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name        text NOT NULL,
    kind        text NOT NULL,
    start_date  date NOT NULL,
    end_date    date CHECK (end_date IS NULL OR end_date >= start_date),
    budget      bigint NOT NULL DEFAULT 0 CHECK (budget >= 0),
    objectives  text NOT NULL DEFAULT '',
    agents      text[] NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'draft',
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- A campaign name is unique per client, case-insensitively.
CREATE UNIQUE INDEX campaigns_client_name_key ON campaigns (client_id, lower(name));
CREATE INDEX campaigns_status_idx ON campaigns (status);

ALTER TABLE events ADD COLUMN client_id uuid;
CREATE INDEX events_client_idx ON events (client_id, id);
