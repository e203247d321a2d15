namespace ContinuationState.Internal;

/// <summary>The statements of idempotent resume, each one round trip.</summary>
internal sealed class ResumeSql
{
    // The receipt row is locked first: a retry racing the first resume's completion waits for it and then sees the
    // committed receipt, never "nothing there". A completed receipt blocks the claim even when a new pause exists:
    // a retried approval of an old pause must not approve the new one.
    private const string ClaimTemplate = """
        WITH attempt AS (
            SELECT status, claimed_at, completed_at, outcome
            FROM {resume_receipts}
            WHERE conversation_id = @conversation_id AND user_id = @user_id AND resume_id = @resume_id
              AND (status = 'running' OR expires_at > clock_timestamp())
            FOR UPDATE
        ),
        target AS (
            SELECT id, status, resume_id, resumed_at, expires_at > clock_timestamp() AS live
            FROM {pending_tool_state}
            WHERE conversation_id = @conversation_id AND user_id = @user_id
            FOR UPDATE
        ),
        claimed AS (
            UPDATE {pending_tool_state} AS p
            SET status = 'resuming', resumed_at = clock_timestamp(), claim_token = gen_random_uuid(), resume_id = @resume_id,
                expires_at = GREATEST(p.expires_at, clock_timestamp() + make_interval(secs => @grace_seconds))
            FROM target AS t
            WHERE p.id = t.id AND t.status = 'pending' AND t.live
              AND NOT EXISTS (SELECT 1 FROM attempt WHERE attempt.status = 'completed')
            RETURNING p.id, p.conversation_id, p.user_id, p.messages, p.pending_tool_calls, p.tools_dict,
                      p.tool_schemas, p.agent_config, p.client_tools, p.created_at, p.expires_at, p.status,
                      p.resumed_at, p.claim_token, p.resume_id
        ),
        recorded AS (
            INSERT INTO {resume_receipts} (conversation_id, user_id, resume_id, status, claimed_at)
            SELECT conversation_id, user_id, resume_id, 'running', resumed_at FROM claimed
            ON CONFLICT (conversation_id, user_id, resume_id) DO UPDATE
            SET status = 'running', claimed_at = EXCLUDED.claimed_at, completed_at = NULL, outcome = NULL, expires_at = NULL
        )
        SELECT t.status, t.resume_id, t.resumed_at, a.status, a.completed_at, a.outcome, c.*
        FROM (SELECT 1) AS one
        LEFT JOIN target AS t ON true
        LEFT JOIN attempt AS a ON true
        LEFT JOIN claimed AS c ON true
        """;

    // Fenced like the fenced delete: the state goes and the receipt is written in one statement, or neither.
    private const string CompleteTemplate = """
        WITH done AS (
            DELETE FROM {pending_tool_state}
            WHERE id = @id AND user_id = @user_id AND status = 'resuming'
              AND claim_token = @claim_token AND resumed_at = @resumed_at
            RETURNING conversation_id, user_id, resume_id
        ),
        receipt AS (
            UPDATE {resume_receipts} AS r
            SET status = 'completed', completed_at = clock_timestamp(), outcome = @outcome,
                expires_at = clock_timestamp() + make_interval(secs => @retention_seconds)
            FROM done AS d
            WHERE r.conversation_id = d.conversation_id AND r.user_id = d.user_id AND r.resume_id = d.resume_id
            RETURNING r.completed_at
        )
        SELECT (SELECT count(*) FROM done), (SELECT completed_at FROM receipt)
        """;

    // Completed receipts past their retention, and 'running' rows a crashed or forgetful host left behind.
    private const string PurgeExpiredTemplate = """
        DELETE FROM {resume_receipts}
        WHERE (status = 'completed' AND expires_at <= clock_timestamp())
           OR (status = 'running' AND claimed_at < clock_timestamp() - make_interval(secs => @retention_seconds))
        """;

    public ResumeSql(QualifiedNames names)
    {
        Claim = Qualify(ClaimTemplate, names);
        Complete = Qualify(CompleteTemplate, names);
        PurgeExpired = Qualify(PurgeExpiredTemplate, names);
    }

    public string Claim { get; }

    public string Complete { get; }

    public string PurgeExpired { get; }

    private static string Qualify(string template, QualifiedNames names) => template
        .Replace("{pending_tool_state}", names.PendingToolState, StringComparison.Ordinal)
        .Replace("{resume_receipts}", names.ResumeReceipts, StringComparison.Ordinal);
}
