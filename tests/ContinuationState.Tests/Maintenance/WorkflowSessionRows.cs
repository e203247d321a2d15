using ContinuationState.Tests.Infrastructure;
using Npgsql;

namespace ContinuationState.Tests.Maintenance;

/// <summary>
/// Arranges many workflow sessions at once, with SQL: sessions <c>{prefix}-1</c>…<c>{prefix}-{count}</c> of users
/// <c>user-0</c>…<c>user-2</c>, each with <c>checkpoints</c> checkpoints, expired a minute ago or live for an hour.
/// </summary>
internal static class WorkflowSessionRows
{
    public static Task InsertAsync(NpgsqlDataSource dataSource, int count, string prefix, bool expired, int checkpoints = 2) => TestData.ExecuteAsync(dataSource, """
        WITH s AS (
            INSERT INTO workflow_sessions (user_id, session_id, expires_at)
            SELECT 'user-' || (g % 3), $3 || '-' || g,
                   clock_timestamp() + CASE WHEN $4 THEN interval '-1 minute' ELSE interval '1 hour' END
            FROM generate_series(1, $1) AS g
            RETURNING user_id, session_id
        )
        INSERT INTO workflow_checkpoints (user_id, session_id, checkpoint_id, checkpoint)
        SELECT user_id, session_id, md5(session_id || '/' || c), '{"step":0}'::json
        FROM s, generate_series(1, $2) AS c
        """, count, checkpoints, prefix, expired);

    /// <summary>The keys <see cref="InsertAsync"/> gave its sessions.</summary>
    public static IEnumerable<PurgedWorkflowSession> Keys(int count, string prefix)
        => Enumerable.Range(1, count).Select(g => new PurgedWorkflowSession($"user-{g % 3}", $"{prefix}-{g}"));

    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, string table, string prefix)
        => await TestData.ScalarAsync<long>(dataSource, $"SELECT count(*) FROM {table} WHERE session_id LIKE $1 || '-%'", prefix);
}
