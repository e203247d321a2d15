namespace ContinuationState.Internal;

/// <summary>
/// The statements the core runs on the workflow tables of migration 0005 without the Workflows package: only the
/// purge, shared by the maintenance service and <c>WorkflowCheckpointStores.PurgeExpiredAsync</c>, so there is one.
/// </summary>
internal sealed class WorkflowSessionSql
{
    // One bounded batch, as the pending_tool_state purge: SKIP LOCKED, so replicas purging at once take disjoint
    // batches, and a session a writer holds (it is being extended) is left for the next tick. The checkpoints go with
    // their session (ON DELETE CASCADE).
    private const string PurgeExpiredBatchTemplate = """
        WITH doomed AS (
            SELECT user_id, session_id
            FROM {workflow_sessions}
            WHERE expires_at <= clock_timestamp()
            ORDER BY expires_at
            LIMIT @batch_size
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM {workflow_sessions} AS s
        USING doomed AS d
        WHERE s.user_id = d.user_id AND s.session_id = d.session_id
        RETURNING s.user_id, s.session_id
        """;

    public WorkflowSessionSql(QualifiedNames names)
    {
        PurgeExpiredBatch = names.Qualify(PurgeExpiredBatchTemplate);
    }

    public string PurgeExpiredBatch { get; }
}
