using System.Globalization;
using System.Text.Json;
using Microsoft.Agents.AI.Workflows;
using Npgsql;

namespace ContinuationState.Benchmarks;

/// <summary>
/// Issue 27's section: the workflow checkpoint store against raw Npgsql running its SQL, at 2 KB and 256 KB of
/// checkpoint JSON, one caller and eight. Creates go to a session of each side's own; reads (a known key, the latest,
/// the whole index) go to one session of 1,000 checkpoints that both sides read, put there on the server before the
/// cells (through a data source of its own with the library's settings, so the rows are compressed as the library's
/// own writes are and neither contender's connection wrote them), holding the text the library stores.
/// </summary>
internal sealed class CheckpointSection(
    NpgsqlDataSource setupSource,
    string schema,
    string userId,
    LibraryCheckpointClient library,
    RawCheckpointClient raw,
    BenchContext context,
    MeasureSettings settings)
{
    /// <summary>How many checkpoints the read session holds.</summary>
    public const int SessionLength = 1_000;

    public static readonly IReadOnlyList<int> Sizes = [2 << 10, 256 << 10];

    public static readonly IReadOnlyList<CheckpointOperation> Operations =
    [
        new("checkpoint_create", (c, s, caller) => async () => _ = await c.CreateAsync(s.WriteSession(c, caller), s.Parent(c, caller))),
        new("checkpoint_retrieve", (c, s, _) => async () => Expect((await c.RetrieveAsync(s.ReadSession, s.KnownKey)).ValueKind == JsonValueKind.Object, "retrieve of a known key")),
        new("checkpoint_latest_of_1000", (c, s, _) => async () => Expect((await c.LatestAsync(s.ReadSession))?.CheckpointId == s.LastKey.CheckpointId, "latest of the session")),
        new("checkpoint_index_of_1000", (c, s, _) => async () => Expect((await c.IndexLastAsync(s.ReadSession))?.CheckpointId == s.LastKey.CheckpointId, "last of the index")),
    ];

    /// <summary>The operations measured with eight callers too (the index reads 1,000 rows a call; once is enough).</summary>
    private static readonly HashSet<string> ConcurrentOperations = ["checkpoint_create", "checkpoint_retrieve", "checkpoint_latest_of_1000"];

    private readonly string _readSession = Guid.NewGuid().ToString("N");
    private readonly string _writePrefix = Guid.NewGuid().ToString("N")[..16];

    public string ReadSession => _readSession;

    /// <summary>The 500th of the read session's checkpoints: what <c>checkpoint_retrieve</c> reads.</summary>
    public CheckpointInfo KnownKey => new(_readSession, Id(SessionLength / 2));

    public CheckpointInfo LastKey => new(_readSession, Id(SessionLength));

    /// <summary>Where a side's caller creates its checkpoints: a session of its own.</summary>
    public string WriteSession(ICheckpointClient client, int caller) => $"{_writePrefix}-{(client == library ? "lib" : "raw")}-c{caller}";

    /// <summary>The parent a create names, as the framework names the checkpoint the run continued from.</summary>
    public CheckpointInfo Parent(ICheckpointClient client, int caller) => new(WriteSession(client, caller), Id(0));

    /// <summary>
    /// Untimed: every path warmed up (JIT tiers, both pools, prepared statements) at 2 KB, twice with a pause between,
    /// as the state section warms its own.
    /// </summary>
    public async Task WarmAsync()
    {
        var payload = CheckpointPayload.Create(Sizes[0]);
        library.Use(payload);
        raw.Use(payload);
        await PutReadSessionAsync(payload);
        foreach (var (calls, pause) in new[] { (150, 300), (50, 0) })
        {
            var warm = new Measurement(context, settings with { BlockSeconds = 1e9, MinRounds = 2, MaxRounds = 2, MaxPerRound = calls });
            foreach (var op in Operations)
            {
                _ = await warm.SequentialAsync(Next(op, library), Next(op, raw));
            }

            await ClearWritesAsync();
            await Task.Delay(pause);
        }
    }

    /// <summary>Measures every wanted operation at both sizes, one caller, then eight; returns the rows as it goes.</summary>
    public async Task<List<Row>> RunAsync(Func<string, bool> wanted, bool concurrent, Action<Row> progress)
    {
        var rows = new List<Row>();
        var measurement = new Measurement(context, settings);
        foreach (var size in Sizes)
        {
            var payload = CheckpointPayload.Create(size);
            library.Use(payload);
            raw.Use(payload);
            await PutReadSessionAsync(payload);
            await CheckAsync(payload);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Payload.Label(size)} checkpoint: {payload.ActualBytes:N0} bytes of JSON as the framework writes it (stored as is), {payload.MessageCount:N0} messages in its chat history; read session of {SessionLength:N0} checkpoints"));

            foreach (var callers in concurrent ? new[] { 1, 8 } : [1])
            {
                foreach (var op in Operations.Where(op => wanted(op.Name) && (callers == 1 || ConcurrentOperations.Contains(op.Name))))
                {
                    if (op.Name == "checkpoint_create")
                    {
                        // A backend's first large writes, and writes that must extend the table, run slower than the
                        // settled ones: each side's connections make theirs here, untimed, as the state section's do.
                        await WarmWritesAsync(library);
                        await WarmWritesAsync(raw);
                    }

                    var cell = callers == 1
                        ? await measurement.SequentialAsync(Next(op, library), Next(op, raw))
                        : await measurement.ConcurrentAsync(caller => op.Call(library, this, caller), caller => op.Call(raw, this, caller), callers);
                    await ClearWritesAsync();
                    var row = new Row(op.Name, "uuid", "json_element", callers, size, payload.ActualBytes, 1, cell, library.Name, raw.Name, "raw_prepared", Target: 0);
                    rows.Add(row);
                    progress(row);
                }
            }
        }

        await ExecuteAsync($"DELETE FROM {Table("workflow_sessions")} WHERE user_id = $1", userId);
        await VacuumAsync();
        return rows;
    }

    private NextCall Next(CheckpointOperation op, ICheckpointClient client)
    {
        var call = op.Call(client, this, 0);
        return () => Task.FromResult(call);
    }

    private async Task WarmWritesAsync(ICheckpointClient client)
    {
        for (var i = 0; i < Measurement.WarmSaves; i++)
        {
            _ = await client.CreateAsync(WriteSession(client, 0), Parent(client, 0));
        }
    }

    /// <summary>
    /// Both sides read back exactly what was stored and agree on the latest; each side's create stores what it should
    /// (the library its canonical text, raw the framework's bytes). Checked once per size, untimed.
    /// </summary>
    private async Task CheckAsync(CheckpointPayload payload)
    {
        var stored = System.Text.Encoding.UTF8.GetString(payload.Utf8);
        foreach (var client in new ICheckpointClient[] { library, raw })
        {
            var read = await client.RetrieveAsync(_readSession, KnownKey);
            Expect(read.GetRawText() == stored, $"{client.Name}: the checkpoint read back as stored");
            Expect((await client.LatestAsync(_readSession))?.CheckpointId == LastKey.CheckpointId, $"{client.Name}: the latest checkpoint");
            Expect((await client.IndexLastAsync(_readSession))?.CheckpointId == LastKey.CheckpointId, $"{client.Name}: the index's last checkpoint");

            var created = await client.CreateAsync(WriteSession(client, 0), Parent(client, 0));
            await using var command = setupSource.CreateCommand($"SELECT checkpoint::text FROM {Table("workflow_checkpoints")} WHERE user_id = $1 AND session_id = $2 AND checkpoint_id = $3");
            command.Parameters.Add(new NpgsqlParameter { Value = userId });
            command.Parameters.Add(new NpgsqlParameter { Value = created.SessionId });
            command.Parameters.Add(new NpgsqlParameter { Value = created.CheckpointId });
            Expect((string?)await command.ExecuteScalarAsync() == stored, $"{client.Name}: a create stores the framework's bytes");
        }

        await ClearWritesAsync();
    }

    /// <summary>
    /// The read session: <see cref="SessionLength"/> checkpoints of the payload in commit order, each naming the one
    /// before as its parent, written in one statement on the server.
    /// </summary>
    private async Task PutReadSessionAsync(CheckpointPayload payload)
    {
        await ExecuteAsync($"DELETE FROM {Table("workflow_sessions")} WHERE user_id = $1", userId);
        await using (var batch = setupSource.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"INSERT INTO {Table("workflow_sessions")} (user_id, session_id, expires_at) VALUES ($1, $2, clock_timestamp() + interval '1 day')")
            {
                Parameters = { new() { Value = userId }, new() { Value = _readSession } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"""
                INSERT INTO {Table("workflow_checkpoints")} (user_id, session_id, checkpoint_id, parent_checkpoint_id, checkpoint)
                SELECT $1, $2, lpad(to_hex(i), 32, '0'), CASE WHEN i > 1 THEN lpad(to_hex(i - 1), 32, '0') END, $3::json
                FROM generate_series(1, {SessionLength}) AS i
                ORDER BY i
                """)
            {
                Parameters = { new() { Value = userId }, new() { Value = _readSession }, new NpgsqlParameter<byte[]>() { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Json, TypedValue = payload.Utf8 } },
            });
            await batch.ExecuteNonQueryAsync();
        }

        await VacuumAsync();
    }

    private Task ClearWritesAsync() => ExecuteAsync($"DELETE FROM {Table("workflow_sessions")} WHERE user_id = $1 AND session_id <> $2", userId, _readSession);

    private Task VacuumAsync() => ExecuteAsync($"VACUUM ANALYZE {Table("workflow_sessions")}, {Table("workflow_checkpoints")}");

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = setupSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }

    private string Table(string name) => $"{Quote(schema)}.{Quote(name)}";

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // 32 hex digits, as the framework's ids: the position in the session, as the set-up statement writes it.
    private static string Id(int position) => position.ToString("x32", CultureInfo.InvariantCulture);

    private static void Expect(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"Unexpected outcome of {what}.");
        }
    }
}

/// <summary>A measured checkpoint operation: the timed call a client makes for one caller (each checks its outcome).</summary>
internal sealed record CheckpointOperation(string Name, Func<ICheckpointClient, CheckpointSection, int, Func<Task>> Call);
