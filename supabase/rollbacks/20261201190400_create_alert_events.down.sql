-- Rollback of 20261201190400_create_alert_events.sql: the alert log and the function keeping it are
-- dropped (the recorded events go with the table).
drop function if exists private.sync_alert_events();
drop table if exists private.alert_events;
