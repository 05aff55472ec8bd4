-- Rollback of 20261201190300_add_evaluate_alerts.sql: the rules are no longer evaluated.
drop function if exists private.evaluate_alerts();
