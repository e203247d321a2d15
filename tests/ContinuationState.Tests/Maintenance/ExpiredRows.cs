using ContinuationState.Tests.Infrastructure;
using Npgsql;

namespace ContinuationState.Tests.Maintenance;

/// <summary>Arranges many expired states at once, with SQL (one conversation each).</summary>
internal static class ExpiredRows
{
    public static Task InsertAsync(NpgsqlDataSource dataSource, int count, string userPrefix = "user") => TestData.ExecuteAsync(dataSource, """
        WITH c AS (
            INSERT INTO conversations (user_id) SELECT $2 || '-' || g FROM generate_series(1, $1) AS g RETURNING id, user_id
        )
        INSERT INTO pending_tool_state (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, expires_at)
        SELECT id, user_id, '[]', '[]', '{}', '[]', jsonb_build_object('agent', user_id), clock_timestamp() - interval '1 minute' FROM c
        """, count, userPrefix);
}
