-- Rollback of 20261201190100_add_monitoring_report.sql: the monitoring report's functions are dropped.
drop function if exists private.connection_summary();
drop function if exists private.slow_statements(numeric);
drop function if exists private.pg_stat_statements_status();
drop function if exists private.unused_indexes();
