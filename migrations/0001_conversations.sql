-- Conversations that continuation state belongs to.
-- Compatible with DocsGPT's `conversations` table: on a database that already holds it, nothing here
-- changes it (DocsGPT's extra columns, triggers and user foreign key stay as they are).
CREATE TABLE IF NOT EXISTS conversations (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         TEXT NOT NULL,
    name            TEXT,
    legacy_mongo_id TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Legacy MongoDB ObjectIds resolve through this index (one indexed lookup).
CREATE UNIQUE INDEX IF NOT EXISTS conversations_legacy_mongo_id_uidx
    ON conversations (legacy_mongo_id) WHERE legacy_mongo_id IS NOT NULL;
