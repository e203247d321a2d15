using System.Data;
using System.Text.Json;
using ContinuationState.Extensions.AI.Workflows;
using Microsoft.Agents.AI.Workflows;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Benchmarks;

/// <summary>
/// One contender in the workflow-checkpoint section: the library's <see cref="PostgresCheckpointStore"/>, or raw
/// Npgsql running its SQL. Every call returns what the framework's <c>JsonCheckpointStore</c> contract returns.
/// </summary>
internal interface ICheckpointClient
{
    string Name { get; }

    /// <summary>Selects the checkpoint that creates send; set between measurements, never during one.</summary>
    void Use(CheckpointPayload payload);

    Task<CheckpointInfo> CreateAsync(string sessionId, CheckpointInfo parent);

    Task<JsonElement> RetrieveAsync(string sessionId, CheckpointInfo key);

    /// <summary>The newest checkpoint, read alone (the store's <c>GetLatestCheckpointAsync</c>).</summary>
    Task<CheckpointInfo?> LatestAsync(string sessionId);

    /// <summary>The whole index in commit order (what <c>CheckpointManager.GetLatestCheckpointAsync</c> asks for), its last entry.</summary>
    Task<CheckpointInfo?> IndexLastAsync(string sessionId);
}

/// <summary>The library's store, as <c>WorkflowCheckpointStores.ForUser</c> hands it to a host.</summary>
internal sealed class LibraryCheckpointClient(PostgresCheckpointStore store) : ICheckpointClient
{
    private JsonElement _checkpoint;

    public string Name => "library (PostgresCheckpointStore)";

    public PostgresCheckpointStore Store { get; } = store;

    public void Use(CheckpointPayload payload) => _checkpoint = payload.Element;

    public async Task<CheckpointInfo> CreateAsync(string sessionId, CheckpointInfo parent) => await Store.CreateCheckpointAsync(sessionId, _checkpoint, parent);

    public async Task<JsonElement> RetrieveAsync(string sessionId, CheckpointInfo key) => await Store.RetrieveCheckpointAsync(sessionId, key);

    public Task<CheckpointInfo?> LatestAsync(string sessionId) => Store.GetLatestCheckpointAsync(sessionId);

    public async Task<CheckpointInfo?> IndexLastAsync(string sessionId) => (await Store.RetrieveIndexAsync(sessionId)).LastOrDefault();
}

/// <summary>
/// The baseline: the store's own statements, prepared, on a data source with the settings the library's own one makes,
/// parameters typed as the store types them. It does what any <c>JsonCheckpointStore</c> must and no more: sends the
/// checkpoint's UTF-8 bytes as they are (no check of their text, no size limit), and parses a retrieved checkpoint into
/// the <see cref="JsonElement"/> the contract returns.
/// </summary>
internal sealed class RawCheckpointClient(NpgsqlDataSource dataSource, LibraryCheckpointSql sql, string userId, double ttlSeconds) : ICheckpointClient
{
    private byte[] _checkpoint = [];

    public string Name => "raw prepared";

    public void Use(CheckpointPayload payload) => _checkpoint = payload.Utf8;

    public async Task<CheckpointInfo> CreateAsync(string sessionId, CheckpointInfo parent)
    {
        var checkpointId = Guid.NewGuid().ToString("N");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = Command(connection, sql.Create, sessionId);
        command.Parameters.Add(new NpgsqlParameter<double>("ttl_seconds", NpgsqlDbType.Double) { TypedValue = ttlSeconds });
        command.Parameters.Add(Text("checkpoint_id", checkpointId));
        command.Parameters.Add(Text("parent_checkpoint_id", parent.CheckpointId));
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("checkpoint", NpgsqlDbType.Json) { TypedValue = _checkpoint });
        await command.PrepareAsync();
        return await command.ExecuteNonQueryAsync() == 1
            ? new CheckpointInfo(sessionId, checkpointId)
            : throw new InvalidOperationException("Create wrote no checkpoint.");
    }

    public async Task<JsonElement> RetrieveAsync(string sessionId, CheckpointInfo key)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = Command(connection, sql.Retrieve, sessionId);
        command.Parameters.Add(Text("checkpoint_id", key.CheckpointId));
        await command.PrepareAsync();
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow);
        return await reader.ReadAsync()
            ? JsonElement.Parse(reader.GetFieldValue<byte[]>(0))
            : throw new KeyNotFoundException($"Checkpoint '{key.CheckpointId}' was not found.");
    }

    public async Task<CheckpointInfo?> LatestAsync(string sessionId)
    {
        var keys = await KeysAsync(sql.Latest, sessionId);
        return keys.Count == 0 ? null : keys[0];
    }

    public async Task<CheckpointInfo?> IndexLastAsync(string sessionId)
    {
        var keys = await KeysAsync(sql.Index, sessionId);
        return keys.Count == 0 ? null : keys[^1];
    }

    private async Task<List<CheckpointInfo>> KeysAsync(string statement, string sessionId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = Command(connection, statement, sessionId);
        await command.PrepareAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<CheckpointInfo>();
        while (await reader.ReadAsync())
        {
            keys.Add(new CheckpointInfo(sessionId, reader.GetString(0)));
        }

        return keys;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, string statement, string sessionId)
    {
        var command = new NpgsqlCommand(statement, connection);
        command.Parameters.Add(Text("user_id", userId));
        command.Parameters.Add(Text("session_id", sessionId));
        return command;
    }

    private static NpgsqlParameter<string?> Text(string name, string? value) => new(name, NpgsqlDbType.Text) { TypedValue = value };
}
