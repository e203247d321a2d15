using ContinuationState.Internal;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Extensions.AI.Agents.Internal;

/// <summary>
/// The agent session store's data access, free of Agent Framework types (so a change of the framework's contract
/// touches only the store class): one statement per call, on a connection per call from the host's data source (or
/// the library's prepared one), the configured command timeout on every statement, and the driver's failures
/// translated to <see cref="ContinuationStateTransientException"/> and <see cref="ContinuationStateTimeoutException"/>.
/// </summary>
internal sealed class AgentSessionRows
{
    private readonly StatementRunner _runner;
    private readonly AgentSessionSql _sql;

    public AgentSessionRows(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, ContinuationStateOptions options)
    {
        _runner = new StatementRunner(open, options);
        _sql = AgentSessionSql.For(QualifiedNames.For(options.Schema));
    }

    /// <summary>The live session stored under <paramref name="key"/>, as its UTF-8 JSON and etag; null when there is none.</summary>
    public Task<(byte[] Session, Guid ETag)?> GetAsync(AgentSessionKey key, CancellationToken cancellationToken)
        => _runner.RunAsync(
            _sql.Get,
            p => BindKey(p, key),
            static async (command, ct) =>
            {
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? (reader.GetFieldValue<byte[]>(0), reader.GetGuid(1))
                    : ((byte[], Guid)?)null;
            },
            cancellationToken);

    /// <summary>
    /// Stores <paramref name="session"/> under <paramref name="key"/> with the new <paramref name="etag"/>, extending
    /// its expiry to at least <paramref name="ttlSeconds"/> from now. With <paramref name="check"/>, a live session whose
    /// etag is not <paramref name="expectedETag"/> (null: any live session) is not replaced: false, nothing written.
    /// </summary>
    public Task<bool> SaveAsync(AgentSessionKey key, ReadOnlyMemory<byte> session, Guid etag, double ttlSeconds, bool check, Guid? expectedETag, CancellationToken cancellationToken)
        => _runner.RunAsync(
            _sql.Save,
            p =>
            {
                BindKey(p, key);
                p.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("session", NpgsqlDbType.Json) { TypedValue = session });
                p.Add(new NpgsqlParameter<Guid>("etag", NpgsqlDbType.Uuid) { TypedValue = etag });
                p.Add(new NpgsqlParameter<double>("ttl_seconds", NpgsqlDbType.Double) { TypedValue = ttlSeconds });
                p.Add(new NpgsqlParameter<bool>("check", NpgsqlDbType.Boolean) { TypedValue = check });
                p.Add(new NpgsqlParameter<Guid?>("expected_etag", NpgsqlDbType.Uuid) { TypedValue = expectedETag });
            },
            static async (command, ct) => await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is Guid,
            cancellationToken);

    /// <summary>Deletes the session stored under <paramref name="key"/>; true when a live one was there.</summary>
    public Task<bool> DeleteAsync(AgentSessionKey key, CancellationToken cancellationToken)
        => _runner.RunAsync(
            _sql.Delete,
            p => BindKey(p, key),
            static async (command, ct) => await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true,
            cancellationToken);

    /// <summary>Deletes one batch of expired sessions of every user and returns their keys.</summary>
    public Task<IReadOnlyList<PurgedAgentSession>> PurgeExpiredAsync(int batchSize, CancellationToken cancellationToken)
        => _runner.RunAsync(
            _sql.PurgeExpiredBatch,
            p => p.Add(new NpgsqlParameter<int>("batch_size", NpgsqlDbType.Integer) { TypedValue = batchSize }),
            static async (command, ct) =>
            {
                var purged = new List<PurgedAgentSession>();
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    purged.Add(new PurgedAgentSession(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        AgentSessionKey.ReadPartitions(reader.GetString(3))));
                }

                return (IReadOnlyList<PurgedAgentSession>)purged;
            },
            cancellationToken);

    private static void BindKey(NpgsqlParameterCollection parameters, AgentSessionKey key)
    {
        StatementRunner.Text(parameters, "user_id", key.UserId);
        StatementRunner.Text(parameters, "agent_id", key.AgentId);
        StatementRunner.Text(parameters, "session_id", key.SessionId);
        parameters.Add(new NpgsqlParameter<string>("partitions", NpgsqlDbType.Jsonb) { TypedValue = key.PartitionsJson });
    }
}
