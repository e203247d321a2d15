-- Paused tool-call state, one row per (conversation, user).
-- Compatible with DocsGPT's `pending_tool_state` (its 0001_initial and 0004_durability_foundation):
-- same columns, same index names, so DocsGPT's Python host and a .NET host can share the table.
CREATE TABLE IF NOT EXISTS pending_tool_state (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id    UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL,
    messages           JSONB NOT NULL,
    pending_tool_calls JSONB NOT NULL,
    tools_dict         JSONB NOT NULL,
    tool_schemas       JSONB NOT NULL,
    agent_config       JSONB NOT NULL,
    client_tools       JSONB,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at         TIMESTAMPTZ NOT NULL
);

-- A DocsGPT database from before its durability migration lacks the claim columns.
ALTER TABLE pending_tool_state
    ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'resuming')),
    ADD COLUMN IF NOT EXISTS resumed_at TIMESTAMPTZ;

CREATE UNIQUE INDEX IF NOT EXISTS pending_tool_state_conv_user_uidx
    ON pending_tool_state (conversation_id, user_id);

CREATE INDEX IF NOT EXISTS pending_tool_state_expires_idx
    ON pending_tool_state (expires_at);

CREATE INDEX IF NOT EXISTS pending_tool_state_resuming_ts_idx
    ON pending_tool_state (resumed_at) WHERE status = 'resuming';
