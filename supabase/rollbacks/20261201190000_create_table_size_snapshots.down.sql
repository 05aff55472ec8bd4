-- Rollback of 20261201190000_create_table_size_snapshots.sql: the daily table-size snapshots and
-- their functions are dropped (the recorded sizes go with the table).
drop function if exists private.table_growth();
drop function if exists private.record_table_sizes();
drop table if exists private.table_size_snapshots;
