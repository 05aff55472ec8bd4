-- Rollback of 20261201200100_add_prune_operational_logs.sql: the retention function goes (the
-- maintenance job's prune_logs step then fails until the function is back).
drop function if exists private.prune_operational_logs();
