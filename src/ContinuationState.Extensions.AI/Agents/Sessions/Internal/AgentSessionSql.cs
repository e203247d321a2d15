using System.Collections.Concurrent;
using ContinuationState.Internal;

namespace ContinuationState.Extensions.AI.Agents.Internal;

/// <summary>
/// The agent session store's statements for one schema: constant text, every value a parameter. A session counts as
/// absent once <c>expires_at</c> has passed by the database clock (<c>clock_timestamp()</c>), whether or not the purge
/// has removed it yet. <c>partitions</c> is compared as jsonb, so the order the caller named them in does not matter.
/// </summary>
internal sealed class AgentSessionSql
{
    private const string KeyFilter = """
        user_id = @user_id AND agent_id = @agent_id AND session_id = @session_id AND partitions = @partitions
        """;

    private const string GetTemplate = $$"""
        SELECT session, etag
        FROM {agent_sessions}
        WHERE {{KeyFilter}}
          AND expires_at > clock_timestamp()
        """;

    // One round trip. A new session is inserted; an existing one is replaced and its expiry extended (GREATEST never
    // shortens a longer TTL). With @check, the replacement happens only when the stored etag is the one the caller
    // read (@expected_etag; null: the caller expects no live session), or the stored session has expired (a fresh
    // start). Otherwise the row is left as it is and nothing is returned: the caller's update would have been lost.
    // ON CONFLICT takes the row lock, so two checked saves of one read cannot both pass.
    private const string SaveTemplate = """
        INSERT INTO {agent_sessions} AS s (user_id, agent_id, session_id, partitions, session, etag, expires_at)
        VALUES (@user_id, @agent_id, @session_id, @partitions, @session, @etag,
                clock_timestamp() + make_interval(secs => @ttl_seconds))
        ON CONFLICT (user_id, agent_id, session_id, partitions) DO UPDATE
        SET session = EXCLUDED.session,
            etag = EXCLUDED.etag,
            expires_at = GREATEST(s.expires_at, EXCLUDED.expires_at),
            created_at = CASE WHEN s.expires_at <= clock_timestamp() THEN now() ELSE s.created_at END,
            updated_at = now()
        WHERE NOT @check OR s.expires_at <= clock_timestamp() OR s.etag = @expected_etag
        RETURNING s.etag
        """;

    // An expired session is deleted too, but answers false, as a read would have answered "nothing there".
    private const string DeleteTemplate = $$"""
        DELETE FROM {agent_sessions}
        WHERE {{KeyFilter}}
        RETURNING expires_at > clock_timestamp()
        """;

    // One bounded batch, as the pending_tool_state purge: SKIP LOCKED, so replicas purging at once take disjoint
    // batches, and a session a writer holds (it is being saved) is left for the next call.
    private const string PurgeExpiredBatchTemplate = """
        WITH doomed AS (
            SELECT user_id, agent_id, session_id, partitions
            FROM {agent_sessions}
            WHERE expires_at <= clock_timestamp()
            ORDER BY expires_at
            LIMIT @batch_size
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM {agent_sessions} AS s
        USING doomed AS d
        WHERE s.user_id = d.user_id AND s.agent_id = d.agent_id AND s.session_id = d.session_id AND s.partitions = d.partitions
        RETURNING s.user_id, s.agent_id, s.session_id, s.partitions::text
        """;

    private static readonly ConcurrentDictionary<QualifiedNames, AgentSessionSql> BySchema = new();

    private AgentSessionSql(QualifiedNames names)
    {
        Get = names.Qualify(GetTemplate);
        Save = names.Qualify(SaveTemplate);
        Delete = names.Qualify(DeleteTemplate);
        PurgeExpiredBatch = names.Qualify(PurgeExpiredBatchTemplate);
    }

    public string Get { get; }

    public string Save { get; }

    public string Delete { get; }

    public string PurgeExpiredBatch { get; }

    /// <summary>The statements for <paramref name="names"/>' schema, built once per schema.</summary>
    public static AgentSessionSql For(QualifiedNames names) => BySchema.GetOrAdd(names, static n => new AgentSessionSql(n));
}
