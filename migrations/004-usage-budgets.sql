-- Usage: the estimated cost of each ledger row (prices per model from the YAML at the time), and
-- indexes for the sums per user and per trigger that budgets check before every turn.
ALTER TABLE usage ADD COLUMN cost_usd REAL;
CREATE INDEX usage_by_user ON usage (user_id, created_at) WHERE user_id IS NOT NULL;
CREATE INDEX usage_by_trigger ON usage (trigger_name, created_at) WHERE trigger_name IS NOT NULL;
