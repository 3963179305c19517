-- A version number per data set, bumped by triggers on every change, so that in-process caches (the client
-- list index) can tell with one primary-key read whether they are current, on every server instance.
CREATE TABLE data_versions (
    name    text PRIMARY KEY,
    version bigint NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('clients', 1);

CREATE FUNCTION bump_clients_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'clients';
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION bump_clients_version();
-- The list shows account managers' names: renaming or removing a user changes it too.
CREATE TRIGGER users_version AFTER INSERT OR DELETE OR UPDATE OF name ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_clients_version();
