-- The agency's branding on client reports: one row, set by admins. The logo is kept here (at most 512 KB,
-- PNG or JPEG by its bytes), so every instance serves the same one.
CREATE TABLE agency_branding (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    name       text NOT NULL,
    accent     text NOT NULL,
    logo       bytea,
    logo_type  text CHECK (logo_type IN ('image/png', 'image/jpeg')),
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
