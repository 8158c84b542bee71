-- Every live view hears of changes the same way: a trigger on the tables it reads, so no write
-- path can forget to notify. Row-level, so a statement that changed nothing stays silent (the
-- scheduler's empty ticks); Postgres folds a transaction's identical notifications into one.
CREATE FUNCTION notify_maintenance_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pitwall_maintenance', '');
    RETURN NULL;
END $$;
CREATE TRIGGER maintenance_windows_changed AFTER INSERT OR UPDATE OR DELETE ON maintenance_windows
    FOR EACH ROW EXECUTE FUNCTION notify_maintenance_changed();
CREATE TRIGGER maintenance_settings_changed AFTER INSERT OR UPDATE OR DELETE ON maintenance_settings
    FOR EACH ROW EXECUTE FUNCTION notify_maintenance_changed();
CREATE TRIGGER maintenance_allowlist_changed AFTER INSERT OR UPDATE OR DELETE ON maintenance_allowlist
    FOR EACH ROW EXECUTE FUNCTION notify_maintenance_changed();

-- A token bound to an environment names one that exists. Checked by the database, so the token
-- store needs no knowledge of flags; NOT VALID leaves tokens issued before this unchecked.
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_environment_fkey
    FOREIGN KEY (environment) REFERENCES flag_environments (name) NOT VALID;
