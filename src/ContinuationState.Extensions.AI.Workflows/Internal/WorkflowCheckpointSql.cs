using ContinuationState.Internal;

namespace ContinuationState.Extensions.AI.Workflows.Internal;

/// <summary>
/// The checkpoint store's statements for one schema: constant text, every value a parameter. A session counts as
/// absent once <c>expires_at</c> has passed by the database clock (<c>clock_timestamp()</c>), whether or not the purge
/// has removed it yet. The purge is the core's (<see cref="WorkflowSessionSql"/>), shared with the maintenance service.
/// </summary>
internal sealed class WorkflowCheckpointSql
{
    // One round trip. PostgreSQL runs a statement's CTEs in no promised order, so each step reads the one before it:
    // the session row is locked (existing), an expired session's old checkpoints are deleted (stale: a write never
    // brings expired checkpoints back), the session is created or extended (GREATEST never shortens a longer TTL),
    // and only then is the checkpoint's seq drawn. Two writers to one session queue on that row lock, so within a
    // session seq order is commit order.
    private const string CreateTemplate = """
        WITH existing AS (
            SELECT expires_at <= clock_timestamp() AS expired
            FROM {workflow_sessions}
            WHERE user_id = @user_id AND session_id = @session_id
            FOR UPDATE
        ),
        stale AS (
            DELETE FROM {workflow_checkpoints}
            WHERE user_id = @user_id AND session_id = @session_id AND (SELECT expired FROM existing)
            RETURNING 1
        ),
        session AS (
            INSERT INTO {workflow_sessions} AS s (user_id, session_id, expires_at)
            SELECT @user_id, @session_id, clock_timestamp() + make_interval(secs => @ttl_seconds)
            FROM (SELECT count(*) FROM stale) AS cleared
            ON CONFLICT (user_id, session_id) DO UPDATE
            SET expires_at = GREATEST(s.expires_at, EXCLUDED.expires_at),
                created_at = CASE WHEN s.expires_at <= clock_timestamp() THEN now() ELSE s.created_at END
            RETURNING s.user_id, s.session_id
        )
        INSERT INTO {workflow_checkpoints} (user_id, session_id, checkpoint_id, parent_checkpoint_id, checkpoint)
        SELECT user_id, session_id, @checkpoint_id, @parent_checkpoint_id, @checkpoint
        FROM session
        """;

    private const string RetrieveTemplate = """
        SELECT c.checkpoint
        FROM {workflow_checkpoints} AS c
        JOIN {workflow_sessions} AS s ON s.user_id = c.user_id AND s.session_id = c.session_id
        WHERE c.user_id = @user_id AND c.session_id = @session_id AND c.checkpoint_id = @checkpoint_id
          AND s.expires_at > clock_timestamp()
        """;

    private const string IndexTemplate = """
        SELECT c.checkpoint_id
        FROM {workflow_checkpoints} AS c
        JOIN {workflow_sessions} AS s ON s.user_id = c.user_id AND s.session_id = c.session_id
        WHERE c.user_id = @user_id AND c.session_id = @session_id
          AND s.expires_at > clock_timestamp()
        ORDER BY c.seq
        """;

    private const string IndexWithParentTemplate = """
        SELECT c.checkpoint_id
        FROM {workflow_checkpoints} AS c
        JOIN {workflow_sessions} AS s ON s.user_id = c.user_id AND s.session_id = c.session_id
        WHERE c.user_id = @user_id AND c.session_id = @session_id AND c.parent_checkpoint_id = @parent_checkpoint_id
          AND s.expires_at > clock_timestamp()
        ORDER BY c.seq
        """;

    private const string LatestTemplate = """
        SELECT c.checkpoint_id
        FROM {workflow_checkpoints} AS c
        JOIN {workflow_sessions} AS s ON s.user_id = c.user_id AND s.session_id = c.session_id
        WHERE c.user_id = @user_id AND c.session_id = @session_id
          AND s.expires_at > clock_timestamp()
        ORDER BY c.seq DESC
        LIMIT 1
        """;

    // The checkpoints go with the session (ON DELETE CASCADE). An expired session is deleted too, but answers false,
    // as a read would have answered "nothing there".
    private const string DeleteSessionTemplate = """
        DELETE FROM {workflow_sessions}
        WHERE user_id = @user_id AND session_id = @session_id
        RETURNING expires_at > clock_timestamp()
        """;

    // Keeps the newest @keep_last checkpoints by commit order; deletes nothing when the session holds fewer.
    private const string PruneTemplate = """
        WITH oldest_kept AS (
            SELECT c.seq
            FROM {workflow_checkpoints} AS c
            JOIN {workflow_sessions} AS s ON s.user_id = c.user_id AND s.session_id = c.session_id
            WHERE c.user_id = @user_id AND c.session_id = @session_id
              AND s.expires_at > clock_timestamp()
            ORDER BY c.seq DESC
            OFFSET @keep_last - 1
            LIMIT 1
        )
        DELETE FROM {workflow_checkpoints} AS c
        USING oldest_kept AS k
        WHERE c.user_id = @user_id AND c.session_id = @session_id AND c.seq < k.seq
        """;

    private WorkflowCheckpointSql(QualifiedNames names)
    {
        Create = names.Qualify(CreateTemplate);
        Retrieve = names.Qualify(RetrieveTemplate);
        Index = names.Qualify(IndexTemplate);
        IndexWithParent = names.Qualify(IndexWithParentTemplate);
        Latest = names.Qualify(LatestTemplate);
        DeleteSession = names.Qualify(DeleteSessionTemplate);
        Prune = names.Qualify(PruneTemplate);
    }

    public string Create { get; }

    public string Retrieve { get; }

    public string Index { get; }

    public string IndexWithParent { get; }

    public string Latest { get; }

    public string DeleteSession { get; }

    public string Prune { get; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<QualifiedNames, WorkflowCheckpointSql> BySchema = new();

    /// <summary>The statements for <paramref name="names"/>' schema, built once per schema.</summary>
    public static WorkflowCheckpointSql For(QualifiedNames names) => BySchema.GetOrAdd(names, static n => new WorkflowCheckpointSql(n));
}
