-- Rollback of 20261201190200_create_alert_rules.sql: the alert rules, their severity type and the
-- cron interval helper are dropped.
drop function if exists private.cron_interval(text);
drop table if exists private.alert_rules;
drop type if exists private.alert_severity;
