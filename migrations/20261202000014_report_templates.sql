-- Report templates: which sections a client report shows, in which order, after an introduction. At most
-- one is the default (reports use the built-in standard template until one is).
CREATE TABLE report_templates (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    intro      text NOT NULL DEFAULT '',
    sections   text[] NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX report_templates_name_key ON report_templates (lower(name));
CREATE UNIQUE INDEX report_templates_default_key ON report_templates (is_default) WHERE is_default;
