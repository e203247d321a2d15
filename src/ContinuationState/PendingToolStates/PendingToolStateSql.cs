namespace ContinuationState.Internal;

/// <summary>
/// The statements on <c>pending_tool_state</c>, each one round trip. Every time is the database's
/// <c>clock_timestamp()</c>: hosts' clocks skew, and <c>now()</c> freezes at the start of a host's transaction.
/// Every statement that names a conversation also filters by <c>user_id</c>, and comes in two spellings: by UUID, and by
/// legacy id resolved inside the statement (<see cref="ConversationKeySql"/>).
/// </summary>
internal sealed class PendingToolStateSql
{
    /// <summary>The column list every read returns, in the order <see cref="PendingToolStateReader"/> expects.</summary>
    private const string Columns = "id, conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, client_tools, created_at, expires_at, status, resumed_at, claim_token, resume_id";

    // One clock reading stamps both times, so expires_at - created_at is exactly the TTL. A legacy id that names no
    // conversation selects no row, so the save returns none (and writes nothing).
    private const string SaveTemplate = """
        INSERT INTO {pending_tool_state} AS p
            (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas,
             agent_config, client_tools, created_at, expires_at, status, resumed_at)
        SELECT c.conversation_id, @user_id, @messages, @pending_tool_calls, @tools_dict, @tool_schemas,
               @agent_config, @client_tools, c.ts, c.ts + make_interval(secs => @ttl_seconds), 'pending', NULL
        FROM (SELECT clock_timestamp() AS ts, {conversation_id} AS conversation_id) AS c
        WHERE c.conversation_id IS NOT NULL
        ON CONFLICT (conversation_id, user_id) DO UPDATE SET
            messages = EXCLUDED.messages,
            pending_tool_calls = EXCLUDED.pending_tool_calls,
            tools_dict = EXCLUDED.tools_dict,
            tool_schemas = EXCLUDED.tool_schemas,
            agent_config = EXCLUDED.agent_config,
            client_tools = EXCLUDED.client_tools,
            created_at = EXCLUDED.created_at,
            expires_at = EXCLUDED.expires_at,
            status = 'pending',
            resumed_at = NULL,
            claim_token = NULL,
            resume_id = NULL
        RETURNING id, created_at, expires_at
        """;

    private const string LoadTemplate = """
        SELECT {columns}
        FROM {pending_tool_state}
        WHERE conversation_id = {conversation_id} AND user_id = @user_id
          AND status = 'pending' AND expires_at > clock_timestamp()
        """;

    // The row is locked first, so a claim that waited behind a concurrent claim sees its committed
    // 'resuming' status and reports "in progress" rather than "nothing there". Column 0 is the status
    // before this statement, column 1 whether a live pending state was left alone because it is not of @required_format (the
    // format in column 2); the state columns follow, null unless this statement took the claim.
    // A claim keeps its row alive for at least the stale-claim grace: otherwise a claim taken just before
    // expiry could be purged under the running resume (DocsGPT's purge deletes resuming rows too).
    private const string ClaimTemplate = """
        WITH target AS (
            SELECT id, status, expires_at > clock_timestamp() AS live, agent_config ->> 'format' AS format
            FROM {pending_tool_state}
            WHERE conversation_id = {conversation_id} AND user_id = @user_id
            FOR UPDATE
        ),
        claimed AS (
            UPDATE {pending_tool_state} AS p
            SET status = 'resuming', resumed_at = clock_timestamp(), claim_token = gen_random_uuid(), resume_id = NULL,
                expires_at = GREATEST(p.expires_at, clock_timestamp() + make_interval(secs => @grace_seconds))
            FROM target AS t
            WHERE p.id = t.id AND t.status = 'pending' AND t.live
              AND (@required_format::text IS NULL OR t.format = @required_format)
            RETURNING p.id, p.conversation_id, p.user_id, p.messages, p.pending_tool_calls, p.tools_dict,
                      p.tool_schemas, p.agent_config, p.client_tools, p.created_at, p.expires_at, p.status,
                      p.resumed_at, p.claim_token, p.resume_id
        )
        SELECT t.status, c.id IS NULL AND t.status = 'pending' AND t.live AS other_format, t.format, c.*
        FROM target AS t LEFT JOIN claimed AS c ON c.id = t.id
        """;

    private const string MarkResumingTemplate = """
        UPDATE {pending_tool_state}
        SET status = 'resuming', resumed_at = clock_timestamp(), claim_token = NULL, resume_id = NULL,
            expires_at = GREATEST(expires_at, clock_timestamp() + make_interval(secs => @grace_seconds))
        WHERE conversation_id = {conversation_id} AND user_id = @user_id
          AND status = 'pending' AND expires_at > clock_timestamp()
        """;

    // Matches resuming rows only, so a release can never bring back a deleted or re-saved state;
    // GREATEST never shortens a longer TTL.
    private const string ReleaseTemplate = """
        WITH released AS (
            UPDATE {pending_tool_state}
            SET status = 'pending', resumed_at = NULL, claim_token = NULL, resume_id = NULL,
                expires_at = GREATEST(expires_at, clock_timestamp() + make_interval(secs => @ttl_seconds))
            WHERE conversation_id = {conversation_id} AND user_id = @user_id AND status = 'resuming'
            RETURNING conversation_id, user_id
        ){forget_running}
        SELECT count(*) FROM released
        """;

    // Every way back to pending forgets the claim's resume id: a resume that never completed never looks completed,
    // and the same or another resume id can claim again.
    private const string ForgetRunning = """
        ,
        forgotten AS (
            DELETE FROM {resume_receipts} AS r
            USING released AS x
            WHERE r.conversation_id = x.conversation_id AND r.user_id = x.user_id AND r.status = 'running'
        )
        """;

    // Fenced: acts only while the caller's claim is the current one. The claim time is compared too, so a
    // claim re-taken by a host that does not write tokens (DocsGPT's Python code) still fences out the old one.
    private const string FencedReleaseTemplate = """
        WITH released AS (
            UPDATE {pending_tool_state}
            SET status = 'pending', resumed_at = NULL, claim_token = NULL, resume_id = NULL,
                expires_at = GREATEST(expires_at, clock_timestamp() + make_interval(secs => @ttl_seconds))
            WHERE id = @id AND user_id = @user_id AND status = 'resuming'
              AND claim_token = @claim_token AND resumed_at = @resumed_at
            RETURNING conversation_id, user_id
        ){forget_running}
        SELECT count(*) FROM released
        """;

    private const string FencedDeleteTemplate = """
        DELETE FROM {pending_tool_state}
        WHERE id = @id AND user_id = @user_id AND status = 'resuming'
          AND claim_token = @claim_token AND resumed_at = @resumed_at
        """;

    private const string DeleteTemplate = """
        DELETE FROM {pending_tool_state}
        WHERE conversation_id = {conversation_id} AND user_id = @user_id
        """;

    // A claim with no resumed_at (written by hand or by an older host) counts as stale too: otherwise it
    // could never be resumed again. The TTL is renewed but never shortened.
    private const string RevertStaleTemplate = """
        WITH released AS (
            UPDATE {pending_tool_state}
            SET status = 'pending', resumed_at = NULL, claim_token = NULL, resume_id = NULL,
                expires_at = GREATEST(expires_at, clock_timestamp() + make_interval(secs => @ttl_seconds))
            WHERE status = 'resuming'
              AND (resumed_at IS NULL OR resumed_at < clock_timestamp() - make_interval(secs => @grace_seconds))
            RETURNING conversation_id, user_id
        ){forget_running}
        SELECT count(*) FROM released
        """;

    private const string PurgeExpiredTemplate = """
        DELETE FROM {pending_tool_state}
        WHERE expires_at <= clock_timestamp()
        RETURNING conversation_id, user_id, agent_config
        """;

    // One bounded batch: the rows are locked with SKIP LOCKED, so replicas purging at once take disjoint batches
    // and never wait on each other, and each batch is one short statement, never a long lock.
    private const string PurgeExpiredBatchTemplate = """
        WITH doomed AS (
            SELECT id FROM {pending_tool_state}
            WHERE expires_at <= clock_timestamp()
            ORDER BY expires_at
            LIMIT @batch_size
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM {pending_tool_state} AS p
        USING doomed AS d
        WHERE p.id = d.id
        RETURNING p.conversation_id, p.user_id, p.agent_config
        """;

    public PendingToolStateSql(QualifiedNames names)
    {
        Save = Qualify(ConversationKeySql.ByUuid(SaveTemplate), names);
        Load = Qualify(ConversationKeySql.ByUuid(LoadTemplate), names);
        Claim = Qualify(ConversationKeySql.ByUuid(ClaimTemplate), names);
        MarkResuming = Qualify(ConversationKeySql.ByUuid(MarkResumingTemplate), names);
        Release = Qualify(ConversationKeySql.ByUuid(ReleaseTemplate), names);
        Delete = Qualify(ConversationKeySql.ByUuid(DeleteTemplate), names);
        SaveByLegacyId = Qualify(ConversationKeySql.ByLegacyId(SaveTemplate), names);
        LoadByLegacyId = Qualify(ConversationKeySql.ByLegacyId(LoadTemplate), names);
        ClaimByLegacyId = Qualify(ConversationKeySql.ByLegacyId(ClaimTemplate), names);
        MarkResumingByLegacyId = Qualify(ConversationKeySql.ByLegacyId(MarkResumingTemplate), names);
        ReleaseByLegacyId = Qualify(ConversationKeySql.ByLegacyId(ReleaseTemplate), names);
        DeleteByLegacyId = Qualify(ConversationKeySql.ByLegacyId(DeleteTemplate), names);
        FencedRelease = Qualify(FencedReleaseTemplate, names);
        FencedDelete = Qualify(FencedDeleteTemplate, names);
        RevertStale = Qualify(RevertStaleTemplate, names);
        PurgeExpired = Qualify(PurgeExpiredTemplate, names);
        PurgeExpiredBatch = Qualify(PurgeExpiredBatchTemplate, names);
    }

    public string Save { get; }

    public string Load { get; }

    public string Claim { get; }

    public string MarkResuming { get; }

    public string Release { get; }

    public string Delete { get; }

    public string SaveByLegacyId { get; }

    public string LoadByLegacyId { get; }

    public string ClaimByLegacyId { get; }

    public string MarkResumingByLegacyId { get; }

    public string ReleaseByLegacyId { get; }

    public string DeleteByLegacyId { get; }

    public string FencedRelease { get; }

    public string FencedDelete { get; }

    public string RevertStale { get; }

    public string PurgeExpired { get; }

    public string PurgeExpiredBatch { get; }

    private static string Qualify(string template, QualifiedNames names) => names.Qualify(template
        .Replace("{forget_running}", ForgetRunning.TrimEnd(), StringComparison.Ordinal)
        .Replace("{columns}", Columns, StringComparison.Ordinal));
}
