-- Microsoft Agent Framework agent sessions (ContinuationState.Extensions.AI: PostgresAgentSessionStore).
-- One row per session, owned by one user (or tenant): the scope every statement filters on. The rest of the key is
-- the framework's: the agent's id, the session id, and the key's named partitions. Partitions are kept as a jsonb
-- object, so {"a":"1","b":"2"} and {"b":"2","a":"1"} are one key (the contract: partition order does not affect
-- identity); no partitions is '{}'.
-- The session itself is json, not jsonb: jsonb reorders keys, and the framework reads "$type" only as the first key
-- (agent-framework#2962), so the text is kept as the agent serialized it.
-- etag changes on every save (a new random value, never reused), for the optional lost-update check.
-- DocsGPT has no such table; its Python code never touches it.
CREATE TABLE IF NOT EXISTS agent_sessions (
    user_id    TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    session_id TEXT NOT NULL,
    partitions JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(partitions) = 'object'),
    session    JSON NOT NULL,
    etag       UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, agent_id, session_id, partitions)
);

CREATE INDEX IF NOT EXISTS agent_sessions_expires_idx
    ON agent_sessions (expires_at);
