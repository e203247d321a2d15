-- Idempotent resume: a claim may carry the caller's resume id (its idempotency key). While that resume runs,
-- its row here is 'running'; completing it turns the row into a receipt, kept for a retention period, so a retried
-- resume gets the first one's outcome instead of running the tools twice. Releasing a claim or reverting a stale
-- one removes the 'running' row: a resume that never completed never looks completed.
-- DocsGPT's Python code neither reads nor writes this table, and ignores the new nullable column.
ALTER TABLE pending_tool_state
    ADD COLUMN IF NOT EXISTS resume_id TEXT;

CREATE TABLE IF NOT EXISTS resume_receipts (
    conversation_id UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    resume_id       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed')),
    claimed_at      TIMESTAMPTZ NOT NULL,
    completed_at    TIMESTAMPTZ,
    outcome         JSONB,
    expires_at      TIMESTAMPTZ,
    PRIMARY KEY (conversation_id, user_id, resume_id)
);

CREATE INDEX IF NOT EXISTS resume_receipts_expires_idx
    ON resume_receipts (expires_at) WHERE status = 'completed';

CREATE INDEX IF NOT EXISTS resume_receipts_running_idx
    ON resume_receipts (claimed_at) WHERE status = 'running';
