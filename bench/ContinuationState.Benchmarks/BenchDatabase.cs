using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Benchmarks;

/// <summary>
/// The benchmark's own schema on the server, and the untimed set-up statements that put rows in the state each
/// measured operation expects (pending, resuming, present, absent).
/// </summary>
internal sealed class BenchDatabase(NpgsqlDataSource dataSource, string schema)
{
    private readonly string _table = $"{Quote(schema)}.pending_tool_state";
    private bool _canCheckpoint = true;

    public string Schema { get; } = schema;

    public static async Task<BenchDatabase> CreateAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using (var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Quote(schema)} CASCADE"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await new ContinuationStateMigrator(dataSource, Options.Create(new ContinuationStateOptions { Schema = schema })).MigrateAsync();

        // Autovacuum would wake at random inside one side's calls (a 16 MB update leaves 16 MB of dead TOAST): the
        // bench vacuums between rounds instead (see SettleAsync). The same for the workflow checkpoints' tables.
        foreach (var table in new[] { "pending_tool_state", "workflow_sessions", "workflow_checkpoints" })
        {
            await using var command = dataSource.CreateCommand(
                $"ALTER TABLE {Quote(schema)}.{Quote(table)} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)");
            await command.ExecuteNonQueryAsync();
        }

        return new BenchDatabase(dataSource, schema);
    }

    public async Task DropAsync()
    {
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Quote(Schema)} CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a conversation, with a legacy MongoDB id when asked.</summary>
    public async Task<Guid> CreateConversationAsync(string userId, string? legacyMongoId = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var conversations = new ConversationsRepository(connection, null, new ContinuationStateOptions { Schema = Schema });
        return (await conversations.CreateAsync(userId, "bench", legacyMongoId)).Id;
    }

    /// <summary>Removes every state of a conversation.</summary>
    public Task ClearAsync(Guid conversation) => ExecuteAsync($"DELETE FROM {_table} WHERE conversation_id = @c", conversation, null);

    /// <summary>Puts a claimed state back to live pending, as if never claimed.</summary>
    public Task SetPendingAsync(StateKey key) => ExecuteAsync(
        $"UPDATE {_table} SET status = 'pending', resumed_at = NULL, expires_at = clock_timestamp() + interval '1 hour' WHERE conversation_id = @c AND user_id = @u",
        key.Uuid,
        key.UserId);

    /// <summary>Claims a state, as if a resume were running.</summary>
    public Task SetResumingAsync(StateKey key) => ExecuteAsync(
        $"UPDATE {_table} SET status = 'resuming', resumed_at = clock_timestamp() WHERE conversation_id = @c AND user_id = @u",
        key.Uuid,
        key.UserId);

    /// <summary>
    /// Copies a conversation's template state (user <c>template</c>) to another user, on the server: cheaper than
    /// sending the payload again before every measured delete.
    /// </summary>
    public Task CopyTemplateAsync(StateKey key) => ExecuteAsync(
        $"""
        INSERT INTO {_table} (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, client_tools, expires_at)
        SELECT conversation_id, @u, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, client_tools, clock_timestamp() + interval '1 hour'
        FROM {_table} WHERE conversation_id = @c AND user_id = 'template'
        """,
        key.Uuid,
        key.UserId,
        expectRow: true);

    public async Task VacuumAsync()
    {
        await using var command = dataSource.CreateCommand($"VACUUM {_table}");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Untimed, before each block of calls with large payloads: the dead rows and the WAL the last block left are dealt with
    /// now, not in the middle of the next side's calls. CHECKPOINT needs a superuser (or pg_checkpoint); without
    /// one, only the vacuum runs.
    /// </summary>
    public async Task SettleAsync()
    {
        await VacuumAsync();
        if (_canCheckpoint)
        {
            try
            {
                await using var command = dataSource.CreateCommand("CHECKPOINT");
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                _canCheckpoint = false;
            }
        }
    }

    private async Task ExecuteAsync(string sql, Guid conversation, string? user, bool expectRow = false)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("c", conversation));
        if (user is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("u", user));
        }

        if (await command.ExecuteNonQueryAsync() == 0 && expectRow)
        {
            throw new InvalidOperationException($"Set-up matched no row: {sql}");
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
