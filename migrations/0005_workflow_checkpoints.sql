-- Microsoft Agent Framework workflow checkpoints (ContinuationState.Extensions.AI.Workflows).
-- A session is one workflow run's checkpoints, owned by one user (or tenant): the scope every statement filters on.
-- Its TTL lives here, one per session: every checkpoint written extends it, reads treat an expired session as absent
-- (by the database clock), and the purge deletes expired sessions with their checkpoints.
-- DocsGPT has no such tables; its Python code never touches these.
CREATE TABLE IF NOT EXISTS workflow_sessions (
    user_id    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, session_id)
);

CREATE INDEX IF NOT EXISTS workflow_sessions_expires_idx
    ON workflow_sessions (expires_at);

-- One row per checkpoint. seq gives the commit order within a session (a sequence, never a clock: the framework
-- resumes the last entry of the index). The checkpoint is kept as json, not jsonb: jsonb reorders object keys, and
-- the framework's reader wants "$type" first (agent-framework#2962), so the text is kept as the framework wrote it.
CREATE TABLE IF NOT EXISTS workflow_checkpoints (
    seq                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id              TEXT NOT NULL,
    session_id           TEXT NOT NULL,
    checkpoint_id        TEXT NOT NULL,
    parent_checkpoint_id TEXT,
    checkpoint           JSON NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (user_id, session_id) REFERENCES workflow_sessions (user_id, session_id) ON DELETE CASCADE
);

-- Lookup of one checkpoint by its key.
CREATE UNIQUE INDEX IF NOT EXISTS workflow_checkpoints_key_uidx
    ON workflow_checkpoints (user_id, session_id, checkpoint_id);

-- A session's index in commit order (and the latest, read backwards); also serves the cascade from a session.
CREATE INDEX IF NOT EXISTS workflow_checkpoints_order_idx
    ON workflow_checkpoints (user_id, session_id, seq);
