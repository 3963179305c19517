-- Tasks per day, agent and outcome, kept by a trigger: the agency-wide dashboard reads whole days of long
-- ranges from here instead of scanning every task of the range. `status` is the outcome of finished tasks
-- (completed, failed, cancelled) counted on the UTC day they finished, or 'created' counted on the UTC day
-- the task was created. Deleting a task (with its client) takes it out again, so the rollup always equals
-- the tasks table. New counts are spread over eight rows (`shard`, from the task's id) so that workers
-- finishing tasks of one agent at once don't all wait on one row; readers add the shards up, and the
-- workers fold past days into shard 0 (`task_daily_fold`), so a long range reads few rows. Taking a task
-- out always counts -1 on shard 0 (a shard may go negative; the sums stay right).
CREATE TABLE task_daily (
    day    date     NOT NULL,
    agent  text     NOT NULL,
    status text     NOT NULL,
    shard  smallint NOT NULL,
    tasks  bigint   NOT NULL,
    PRIMARY KEY (day, agent, status, shard)
);

CREATE FUNCTION task_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO task_daily (day, agent, status, shard, tasks)
        VALUES ((OLD.created_at AT TIME ZONE 'UTC')::date, OLD.agent, 'created', 0, -1)
        ON CONFLICT (day, agent, status, shard) DO UPDATE SET tasks = task_daily.tasks - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.finished_at IS NOT NULL
       AND OLD.status IN ('completed', 'failed', 'cancelled') THEN
        INSERT INTO task_daily (day, agent, status, shard, tasks)
        VALUES ((OLD.finished_at AT TIME ZONE 'UTC')::date, OLD.agent, OLD.status, 0, -1)
        ON CONFLICT (day, agent, status, shard) DO UPDATE SET tasks = task_daily.tasks - 1;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_daily (day, agent, status, shard, tasks)
        VALUES ((NEW.created_at AT TIME ZONE 'UTC')::date, NEW.agent, 'created', hashtext(NEW.id::text) & 7, 1)
        ON CONFLICT (day, agent, status, shard) DO UPDATE SET tasks = task_daily.tasks + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.finished_at IS NOT NULL
       AND NEW.status IN ('completed', 'failed', 'cancelled') THEN
        INSERT INTO task_daily (day, agent, status, shard, tasks)
        VALUES ((NEW.finished_at AT TIME ZONE 'UTC')::date, NEW.agent, NEW.status, hashtext(NEW.id::text) & 7, 1)
        ON CONFLICT (day, agent, status, shard) DO UPDATE SET tasks = task_daily.tasks + 1;
    END IF;
    RETURN NULL;
END
$$;

-- Only changes that move a task between rows of the rollup fire it (a status or finish time written).
CREATE TRIGGER task_daily_insert_delete AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_daily_count();
CREATE TRIGGER task_daily_update AFTER UPDATE OF status, finished_at, agent ON tasks
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
                       OR OLD.agent IS DISTINCT FROM NEW.agent)
    EXECUTE FUNCTION task_daily_count();

-- Folds the shards of the days before today (UTC) into shard 0; returns the rows folded away.
CREATE FUNCTION task_daily_fold() RETURNS bigint LANGUAGE sql AS $$
    WITH folded AS (
        DELETE FROM task_daily WHERE shard <> 0 AND day < (now() AT TIME ZONE 'UTC')::date
        RETURNING day, agent, status, tasks
    ), summed AS (
        INSERT INTO task_daily (day, agent, status, shard, tasks)
        SELECT day, agent, status, 0, sum(tasks) FROM folded GROUP BY 1, 2, 3
        ON CONFLICT (day, agent, status, shard) DO UPDATE SET tasks = task_daily.tasks + EXCLUDED.tasks
        RETURNING 1
    )
    SELECT count(*) FROM folded;
$$;

INSERT INTO task_daily (day, agent, status, shard, tasks)
SELECT (created_at AT TIME ZONE 'UTC')::date, agent, 'created', 0, count(*) FROM tasks GROUP BY 1, 2;
INSERT INTO task_daily (day, agent, status, shard, tasks)
SELECT (finished_at AT TIME ZONE 'UTC')::date, agent, status, 0, count(*) FROM tasks
 WHERE finished_at IS NOT NULL AND status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3;
