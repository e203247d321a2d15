namespace ContinuationState.Internal;

/// <summary>The statements of idempotent resume, each one round trip.</summary>
internal sealed class ResumeSql
{
    // Both rows are locked before anything is decided: a retry racing the first resume's completion waits for it and
    // then sees the committed receipt, never "nothing there". The state row is locked first, then the receipt row,
    // the same order as completion, release and revert take them (reordering would let them deadlock).
    // Any record of this resume id blocks the claim, even when a new pause exists: a retried approval of an old
    // pause must never approve the new one. A 'completed' record is the receipt; a 'running' one whose claim is gone
    // (finished by a plain delete, or overwritten by a save) means the first run ended in an unknown way.
    // A caller that chose its claim token (@claim_token) and lost the answer to its claim gets the same claim again
    // (redelivered): the row it locked is still resuming under that resume id and token, so its tools have not run.
    // A caller that names a format (@required_format, agent_config's "format" member) never claims a pause of another
    // format: the row stays exactly as it was, and other_format tells the caller what it found.
    private const string ClaimTemplate = """
        WITH attempt AS (
            SELECT conversation_id, status, claimed_at, completed_at, outcome
            FROM {resume_receipts}
            WHERE conversation_id = {conversation_id} AND user_id = @user_id AND resume_id = @resume_id
              AND (status = 'running' OR expires_at > clock_timestamp())
            FOR UPDATE
        ),
        target AS (
            SELECT id, conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config,
                   client_tools, created_at, expires_at, status, resumed_at, claim_token, resume_id,
                   expires_at > clock_timestamp() AS live, agent_config ->> 'format' AS format
            FROM {pending_tool_state}
            WHERE conversation_id = {conversation_id} AND user_id = @user_id
            FOR UPDATE
        ),
        claimed AS (
            UPDATE {pending_tool_state} AS p
            SET status = 'resuming', resumed_at = clock_timestamp(), claim_token = COALESCE(@claim_token, gen_random_uuid()), resume_id = @resume_id,
                expires_at = GREATEST(p.expires_at, clock_timestamp() + make_interval(secs => @grace_seconds))
            FROM target AS t
            WHERE p.id = t.id AND t.status = 'pending' AND t.live
              AND NOT EXISTS (SELECT 1 FROM attempt)
              AND (@required_format::text IS NULL OR t.format = @required_format)
            RETURNING p.id, p.conversation_id, p.user_id, p.messages, p.pending_tool_calls, p.tools_dict,
                      p.tool_schemas, p.agent_config, p.client_tools, p.created_at, p.expires_at, p.status,
                      p.resumed_at, p.claim_token, p.resume_id
        ),
        recorded AS (
            INSERT INTO {resume_receipts} (conversation_id, user_id, resume_id, status, claimed_at)
            SELECT conversation_id, user_id, resume_id, 'running', resumed_at FROM claimed
            ON CONFLICT (conversation_id, user_id, resume_id) DO UPDATE
            SET status = 'running', claimed_at = EXCLUDED.claimed_at, completed_at = NULL, outcome = NULL, expires_at = NULL
        ),
        redelivered AS (
            SELECT id, conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config,
                   client_tools, created_at, expires_at, status, resumed_at, claim_token, resume_id
            FROM target
            WHERE @claim_token IS NOT NULL AND status = 'resuming' AND resume_id = @resume_id AND claim_token = @claim_token
        )
        SELECT t.status, t.resume_id, t.resumed_at, a.status, a.completed_at, a.outcome, a.conversation_id,
               c.id IS NULL AND t.status = 'pending' AND t.live AND a.status IS NULL AS other_format, t.format, c.*
        FROM (SELECT 1) AS one
        LEFT JOIN target AS t ON true
        LEFT JOIN attempt AS a ON true
        LEFT JOIN (SELECT * FROM claimed UNION ALL SELECT * FROM redelivered) AS c ON true
        """;

    // Fenced like the fenced delete: the state goes and the receipt is written in one statement, or neither.
    private const string CompleteTemplate = """
        WITH done AS (
            DELETE FROM {pending_tool_state}
            WHERE id = @id AND user_id = @user_id AND status = 'resuming'
              AND claim_token = @claim_token AND resumed_at = @resumed_at
            RETURNING conversation_id, user_id, resume_id, resumed_at
        ),
        receipt AS (
            -- An upsert, not an update: the receipt is written even if the running record was purged meanwhile.
            INSERT INTO {resume_receipts} AS r (conversation_id, user_id, resume_id, status, claimed_at, completed_at, outcome, expires_at)
            -- One clock reading, so a receipt is kept exactly the retention after it completed.
            SELECT d.conversation_id, d.user_id, d.resume_id, 'completed', d.resumed_at, c.ts, @outcome,
                   c.ts + make_interval(secs => @retention_seconds)
            FROM done AS d CROSS JOIN (SELECT clock_timestamp() AS ts) AS c
            WHERE d.resume_id IS NOT NULL
            ON CONFLICT (conversation_id, user_id, resume_id) DO UPDATE
            SET status = 'completed', completed_at = EXCLUDED.completed_at, outcome = EXCLUDED.outcome, expires_at = EXCLUDED.expires_at
            RETURNING r.completed_at
        )
        SELECT (SELECT count(*) FROM done), (SELECT completed_at FROM receipt)
        """;

    // Complete-and-pause-again: the claimed row becomes the new pause in place (same row, so there is never a moment
    // with no state or two) and, when it was claimed under a resume id, that id's receipt is written, in one statement
    // or not at all. The fence is checked twice: by the lock (re-read after a concurrent change) and by the update.
    private const string PauseAgainTemplate = """
        WITH claim AS (
            SELECT id, resume_id, resumed_at
            FROM {pending_tool_state}
            WHERE id = @id AND user_id = @user_id AND status = 'resuming'
              AND claim_token = @claim_token AND resumed_at = @resumed_at
            FOR UPDATE
        ),
        clock AS (SELECT clock_timestamp() AS ts),
        paused AS (
            UPDATE {pending_tool_state} AS p
            SET messages = @messages, pending_tool_calls = @pending_tool_calls, tools_dict = @tools_dict,
                tool_schemas = @tool_schemas, agent_config = @agent_config, client_tools = @client_tools,
                created_at = k.ts, expires_at = k.ts + make_interval(secs => @ttl_seconds),
                status = 'pending', resumed_at = NULL, claim_token = NULL, resume_id = NULL
            FROM claim AS c CROSS JOIN clock AS k
            WHERE p.id = c.id AND p.status = 'resuming' AND p.claim_token = @claim_token AND p.resumed_at = @resumed_at
            RETURNING p.id, p.conversation_id, p.user_id, c.resume_id, c.resumed_at AS claimed_at, p.created_at, p.expires_at, k.ts
        ),
        receipt AS (
            INSERT INTO {resume_receipts} AS r (conversation_id, user_id, resume_id, status, claimed_at, completed_at, outcome, expires_at)
            SELECT d.conversation_id, d.user_id, d.resume_id, 'completed', d.claimed_at, d.ts, @outcome,
                   d.ts + make_interval(secs => @retention_seconds)
            FROM paused AS d
            WHERE d.resume_id IS NOT NULL
            ON CONFLICT (conversation_id, user_id, resume_id) DO UPDATE
            SET status = 'completed', completed_at = EXCLUDED.completed_at, outcome = EXCLUDED.outcome, expires_at = EXCLUDED.expires_at
        )
        SELECT id, created_at, expires_at FROM paused
        """;

    // Completed receipts past their retention, and 'running' rows a crashed or forgetful host left behind.
    private const string PurgeExpiredTemplate = """
        DELETE FROM {resume_receipts}
        WHERE (status = 'completed' AND expires_at <= clock_timestamp())
           OR (status = 'running' AND claimed_at < clock_timestamp() - make_interval(secs => @retention_seconds))
        """;

    public ResumeSql(QualifiedNames names)
    {
        Claim = names.Qualify(ConversationKeySql.ByUuid(ClaimTemplate));
        ClaimByLegacyId = names.Qualify(ConversationKeySql.ByLegacyId(ClaimTemplate));
        Complete = names.Qualify(CompleteTemplate);
        PauseAgain = names.Qualify(PauseAgainTemplate);
        PurgeExpired = names.Qualify(PurgeExpiredTemplate);
    }

    public string Claim { get; }

    public string ClaimByLegacyId { get; }

    public string Complete { get; }

    public string PauseAgain { get; }

    public string PurgeExpired { get; }
}
