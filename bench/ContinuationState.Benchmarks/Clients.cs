using System.Data;
using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Benchmarks;

/// <summary>Which state a call acts on: the id the library is given, the UUID the raw baseline sends, the user.</summary>
internal readonly record struct StateKey(string ConversationId, Guid Uuid, string UserId);

/// <summary>One contender: the library, or the raw Npgsql baseline. Each call fails loudly on an unexpected outcome.</summary>
internal interface IStateClient
{
    string Name { get; }

    /// <summary>Selects the state that saves send; set between measurements, never during one.</summary>
    void Use(Payload payload);

    Task SaveAsync(StateKey key);

    Task<bool> LoadAsync(StateKey key);

    Task<bool> ClaimAsync(StateKey key);

    Task<bool> ReleaseAsync(StateKey key);

    Task<bool> DeleteAsync(StateKey key);
}

/// <summary>
/// The library, through its facade, exactly as a host calls it. With <paramref name="readParts"/>, a load or claim
/// also reads every JSON part of the state (which parses it), as a host resuming the conversation does.
/// </summary>
internal sealed class LibraryClient(string name, ContinuationService service, bool clrPayload, bool readParts = false) : IStateClient
{
    private ContinuationSnapshot? _snapshot;

    public string Name { get; } = name;

    public ContinuationService Service { get; } = service;

    public void Use(Payload payload) => _snapshot = clrPayload ? payload.Clr : payload.Json;

    public Task SaveAsync(StateKey key)
        => Service.SaveStateAsync(key.ConversationId, key.UserId, _snapshot ?? throw new InvalidOperationException("No payload selected."));

    public async Task<bool> LoadAsync(StateKey key) => Read(await Service.LoadStateAsync(key.ConversationId, key.UserId));

    public async Task<bool> ClaimAsync(StateKey key) => Read(await Service.ClaimStateAsync(key.ConversationId, key.UserId));

    private bool Read(PendingToolState? state)
    {
        if (state is not null && readParts)
        {
            _ = state.Messages.ValueKind | state.PendingToolCalls.ValueKind | state.ToolsDict.ValueKind | state.ToolSchemas.ValueKind | state.AgentConfig.ValueKind;
            _ = state.ClientTools?.ValueKind;
        }

        return state is not null;
    }

    public Task<bool> ReleaseAsync(StateKey key) => Service.ReleaseClaimAsync(key.ConversationId, key.UserId);

    public Task<bool> DeleteAsync(StateKey key) => Service.DeleteStateAsync(key.ConversationId, key.UserId);
}

/// <summary>
/// The library claiming for an idempotent resume (<see cref="ContinuationService.ClaimForResumeAsync(string, string, string, Guid, CancellationToken)"/>,
/// a new resume id and caller-chosen token each call) where <see cref="LibraryClient"/> takes a plain claim: what
/// the receipt and the re-delivery of an in-doubt claim add to a claim. Everything else is the library's as is.
/// </summary>
internal sealed class ResumeClaimClient(LibraryClient library) : IStateClient
{
    private long _resumes;

    public string Name => library.Name + " (claim for resume)";

    public void Use(Payload payload) => library.Use(payload);

    public Task SaveAsync(StateKey key) => library.SaveAsync(key);

    public Task<bool> LoadAsync(StateKey key) => library.LoadAsync(key);

    public async Task<bool> ClaimAsync(StateKey key)
    {
        var claim = await library.Service.ClaimForResumeAsync(key.ConversationId, key.UserId, $"resume-{Interlocked.Increment(ref _resumes)}", Guid.NewGuid());
        return claim.Status switch
        {
            ResumeClaimStatus.Claimed => claim.State is not null,
            ResumeClaimStatus.NotFound => false,
            _ => throw new InvalidOperationException($"Unexpected claim for resume: {claim.Status}."),
        };
    }

    public Task<bool> ReleaseAsync(StateKey key) => library.ReleaseAsync(key);

    public Task<bool> DeleteAsync(StateKey key) => library.DeleteAsync(key);
}

/// <summary>Knobs of the raw baseline, for experiments that show what a library change would buy.</summary>
[Flags]
internal enum RawVariant
{
    /// <summary>The baseline: the library's SQL, default reader behaviour, payload pre-serialised, nothing parsed.</summary>
    None = 0,

    /// <summary>Reads with <see cref="CommandBehavior.SequentialAccess"/>: jsonb is streamed, not buffered as a whole row.</summary>
    SequentialAccess = 1,

    /// <summary>Prepares each statement (persisted per physical connection, so only the first use costs a round trip).</summary>
    Prepared = 2,

    /// <summary>Parses every jsonb column read into a <see cref="JsonDocument"/>, as the library hands out JsonElements.</summary>
    ParseJson = 4,

    /// <summary>Resolves the legacy id with its own SELECT before every statement, as a host without in-statement resolution would.</summary>
    ResolveLegacy = 8,

    /// <summary>Runs the statements through Dapper with <see cref="DynamicParameters"/>, as the library does.</summary>
    Dapper = 16,

    /// <summary>
    /// Keeps one connection open across calls instead of taking it from the pool and returning it each time, as
    /// pgbench does: prices the pool's rent and return (reset included, unless the data source skips it).
    /// </summary>
    HeldConnection = 64,

    /// <summary>
    /// Serializes the CLR payload with System.Text.Json (the library's encoder, no policies) on every save: what a host
    /// holding its own message types pays at least to send them, the fair baseline for the library's CLR rows.
    /// </summary>
    SerializeClr = 32,

    /// <summary>
    /// Loads with Npgsql's synchronous API (blocking reads, no continuation on the thread pool), as libpq runs:
    /// prices what the async path costs a short call. Loads only; the library's API is async.
    /// </summary>
    Synchronous = 128,
}

/// <summary>
/// The baseline: the library's own SQL text on the same data source, with typed <see cref="NpgsqlParameter{T}"/>s,
/// jsonb sent from the pre-serialised UTF-8 bytes, and rows read column by column. No Dapper, no coercion.
/// </summary>
internal sealed class RawClient(string name, NpgsqlDataSource dataSource, LibrarySql sql, RawVariant variant = RawVariant.None) : IStateClient
{
    private const double TtlSeconds = 30 * 60;
    private const double GraceSeconds = 10 * 60;
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 10_000 };

    private PayloadBytes? _bytes;
    private Payload? _payload;

    public string Name { get; } = name;

    public void Use(Payload payload)
    {
        _payload = payload;
        _bytes = payload.Bytes;
    }

    public async Task SaveAsync(StateKey key)
    {
        if ((variant & RawVariant.SerializeClr) != 0 && _payload is { Clr: var clr })
        {
            _bytes = new PayloadBytes(SerializeClr(clr.Messages), SerializeClr(clr.PendingToolCalls), SerializeClr(clr.ToolsDict), SerializeClr(clr.ToolSchemas), SerializeClr(clr.AgentConfig));
        }

        await using var lease = await OpenAsync();
        var connection = lease.Connection;
        await using var reader = await ExecuteReaderAsync(connection, sql.Save, key, CommandBehavior.SingleRow);
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("Save returned no row.");
        }

        _ = reader.GetFieldValue<Guid>(0);
        _ = reader.GetFieldValue<DateTime>(1);
        _ = reader.GetFieldValue<DateTime>(2);
    }

    public async Task<bool> LoadAsync(StateKey key)
    {
        if ((variant & RawVariant.Synchronous) != 0)
        {
            return LoadSynchronously(key);
        }

        await using var lease = await OpenAsync();
        var connection = lease.Connection;
        await using var reader = await ExecuteReaderAsync(connection, sql.Load, key, ReadBehavior);
        if (!await reader.ReadAsync())
        {
            return false;
        }

        ReadState(reader, 0);
        return true;
    }

    private bool LoadSynchronously(StateKey key)
    {
        var connection = (variant & RawVariant.HeldConnection) != 0 ? _held ??= dataSource.OpenConnection() : dataSource.OpenConnection();
        try
        {
            using var command = Command(connection, sql.Load, key);
            if ((variant & RawVariant.Prepared) != 0)
            {
                command.Prepare();
            }

            using var reader = command.ExecuteReader(ReadBehavior);
            if (!reader.Read())
            {
                return false;
            }

            ReadState(reader, 0);
            return true;
        }
        finally
        {
            if (connection != _held)
            {
                connection.Dispose();
            }
        }
    }

    public async Task<bool> ClaimAsync(StateKey key)
    {
        await using var lease = await OpenAsync();
        var connection = lease.Connection;
        await using var reader = await ExecuteReaderAsync(connection, sql.Claim, key, ReadBehavior);
        if (!await reader.ReadAsync())
        {
            return false;
        }

        // Columns: 0 the status before the claim, 1 left alone for its format, 2 that format, 3.. the claimed state.
        var status = reader.GetFieldValue<string>(0);
        _ = reader.GetFieldValue<bool>(1);
        _ = reader.IsDBNull(2) ? null : reader.GetFieldValue<string>(2);
        if (!reader.IsDBNull(3))
        {
            ReadState(reader, 3);
            return true;
        }

        return status == "resuming" ? throw new InvalidOperationException("Resume already in progress.") : false;
    }

    public Task<bool> ReleaseAsync(StateKey key) => AffectsRowAsync(sql.Release, key);

    public Task<bool> DeleteAsync(StateKey key) => AffectsRowAsync(sql.Delete, key);

    private NpgsqlConnection? _held;

    private async ValueTask<Lease> OpenAsync()
    {
        if ((variant & RawVariant.HeldConnection) == 0)
        {
            return new Lease(await dataSource.OpenConnectionAsync(), Owned: true);
        }

        _held ??= await dataSource.OpenConnectionAsync();
        return new Lease(_held, Owned: false);
    }

    /// <summary>A connection for one call: returned to the pool after it, unless the client holds it.</summary>
    private readonly record struct Lease(NpgsqlConnection Connection, bool Owned) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owned ? Connection.DisposeAsync() : ValueTask.CompletedTask;
    }

    private CommandBehavior ReadBehavior => (variant & RawVariant.SequentialAccess) != 0
        ? CommandBehavior.SingleRow | CommandBehavior.SequentialAccess
        : CommandBehavior.SingleRow;

    private async Task<bool> AffectsRowAsync(LibrarySql.Statement statement, StateKey key)
    {
        // Statements either report rows affected (a plain DELETE) or select a count (release, which also forgets
        // the claim's resume receipt in the same statement): read whichever this one does, as the library does.
        await using var lease = await OpenAsync();
        var connection = lease.Connection;
        await using var reader = await ExecuteReaderAsync(connection, statement, key, CommandBehavior.Default);
        if (reader.FieldCount == 0)
        {
            return reader.RecordsAffected > 0;
        }

        return await reader.ReadAsync() && Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private async Task<DbDataReader> ExecuteReaderAsync(NpgsqlConnection connection, LibrarySql.Statement statement, StateKey key, CommandBehavior behavior)
    {
        if ((variant & RawVariant.Dapper) != 0)
        {
            return await connection.ExecuteReaderAsync(new CommandDefinition(statement.Sql, DapperParameters(statement, key)), behavior);
        }

        // The reader owns the command's only resource (the connection's state), so disposing the reader suffices.
#pragma warning disable CA2000
        var command = await CommandAsync(connection, statement, key);
#pragma warning restore CA2000
        return await command.ExecuteReaderAsync(behavior);
    }

    private DynamicParameters DapperParameters(LibrarySql.Statement statement, StateKey key)
    {
        var parameters = new DynamicParameters();
        foreach (var name in statement.Parameters)
        {
            parameters.Add(name, name switch
            {
                "conversation_id" => key.Uuid,
                "user_id" => key.UserId,
                "legacy_mongo_id" => key.ConversationId,
                "ttl_seconds" => TtlSeconds,
                "grace_seconds" => GraceSeconds,
                "messages" => new DapperJsonb(Bytes.Messages),
                "pending_tool_calls" => new DapperJsonb(Bytes.PendingToolCalls),
                "tool_schemas" => new DapperJsonb(Bytes.ToolSchemas),
                "tools_dict" => new DapperJsonb(Bytes.ToolsDict),
                "agent_config" => new DapperJsonb(Bytes.AgentConfig),
                "client_tools" => new DapperJsonb(null),
                _ => Parameter(name, key, statement).Value,
            });
        }

        return parameters;
    }

    /// <summary>A per-value jsonb parameter, as the library's own.</summary>
    private sealed class DapperJsonb(object? value) : SqlMapper.ICustomQueryParameter
    {
        public void AddParameter(IDbCommand command, string name)
            => command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = value ?? DBNull.Value });
    }

    private async Task<NpgsqlCommand> CommandAsync(NpgsqlConnection connection, LibrarySql.Statement statement, StateKey key)
    {
        if ((variant & RawVariant.ResolveLegacy) != 0)
        {
            await using var resolve = Command(connection, sql.ResolveLegacy, key);
            key = key with { Uuid = (Guid)(await resolve.ExecuteScalarAsync() ?? throw new InvalidOperationException("Unknown legacy id.")) };
        }

        var command = Command(connection, statement, key);
        if ((variant & RawVariant.Prepared) != 0)
        {
            await command.PrepareAsync();
        }

        return command;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, LibrarySql.Statement statement, StateKey key)
    {
        var command = new NpgsqlCommand(statement.Sql, connection);
        foreach (var parameter in statement.Parameters)
        {
            command.Parameters.Add(Parameter(parameter, key, statement));
        }

        return command;
    }

    private NpgsqlParameter Parameter(string name, StateKey key, LibrarySql.Statement statement) => name switch
    {
        "conversation_id" => new NpgsqlParameter<Guid>(name, key.Uuid),
        "user_id" => new NpgsqlParameter<string>(name, key.UserId),
        "legacy_mongo_id" => new NpgsqlParameter<string>(name, key.ConversationId),
        "ttl_seconds" => new NpgsqlParameter<double>(name, TtlSeconds),
        "grace_seconds" => new NpgsqlParameter<double>(name, GraceSeconds),
        "messages" => Jsonb(name, Bytes.Messages),
        "pending_tool_calls" => Jsonb(name, Bytes.PendingToolCalls),
        "tool_schemas" => Jsonb(name, Bytes.ToolSchemas),
        "tools_dict" => Jsonb(name, Bytes.ToolsDict),
        "agent_config" => Jsonb(name, Bytes.AgentConfig),
        "client_tools" => new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = DBNull.Value },
        // A plain claim names no format (the library's ClaimStateAsync passes null).
        "required_format" => new NpgsqlParameter<string?>(name, NpgsqlDbType.Text) { TypedValue = null },
        _ => throw new InvalidOperationException(
            $"The library's {statement.Operation} statement takes @{name}, which the raw baseline does not know; update bench/ContinuationState.Benchmarks/Clients.cs."),
    };

    private static readonly JsonSerializerOptions ClrOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One part as System.Text.Json writes it with the library's encoder.</summary>
    public static byte[] SerializeClr(object? part) => JsonSerializer.SerializeToUtf8Bytes(part, part?.GetType() ?? typeof(object), ClrOptions);

    private PayloadBytes Bytes => _bytes ?? throw new InvalidOperationException("No payload selected.");

    private static NpgsqlParameter<byte[]> Jsonb(string name, byte[] utf8Json) => new(name, NpgsqlDbType.Jsonb) { TypedValue = utf8Json };

    // Every column of the state, in order (sequential access allows nothing else), by its PostgreSQL type.
    private void ReadState(DbDataReader reader, int first)
    {
        for (var i = first; i < reader.FieldCount; i++)
        {
            if (reader.IsDBNull(i))
            {
                continue;
            }

            switch (reader.GetDataTypeName(i))
            {
                case "jsonb":
                    var utf8 = reader.GetFieldValue<byte[]>(i);
                    if ((variant & RawVariant.ParseJson) != 0)
                    {
                        _ = JsonDocument.Parse(utf8, ParseOptions).RootElement;
                    }

                    break;
                case "uuid":
                    _ = reader.GetFieldValue<Guid>(i);
                    break;
                case "text":
                    _ = reader.GetFieldValue<string>(i);
                    break;
                case "timestamp with time zone":
                    _ = reader.GetFieldValue<DateTimeOffset>(i);
                    break;
                default:
                    _ = reader.GetValue(i);
                    break;
            }
        }
    }
}
