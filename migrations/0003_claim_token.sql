-- Fenced claims: each claim writes a fresh token; a fenced delete or release acts only while that claim is
-- still the current one. Nullable, and ignored by DocsGPT's Python code, which keeps working on this table.
ALTER TABLE pending_tool_state
    ADD COLUMN IF NOT EXISTS claim_token UUID;
