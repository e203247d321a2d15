using System.Diagnostics;
using System.Globalization;
using ContinuationState.Internal;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ContinuationState.Benchmarks;

/// <summary>
/// <c>./build.sh bench --scale</c> (issue 28, item 4): how the library behaves as its table grows. Three parts, each on
/// an emptied table: (1) load, claim and save latency with 10 thousand and with 1 million live 1 KB states resident;
/// (2) the maintenance purge of 1 million expired states while 8 callers claim live ones: purge rate, and claim
/// latency in purge windows against rests between them; (3) save → claim → delete cycles over 10 thousand live pauses
/// under the server's autovacuum settings (run it on a server with the default autovacuum_naptime and on one with 1s):
/// table, TOAST and index size against the live data, sampled over the run, and dead tuples. Options: --resident
/// 10000,1000000  --expired 1000000  --cycles 1000000  --callers 8  --parts latency,purge,churn  --purge-batch 500
/// --purge-pause-ms 0 (the maintenance options the purge runs with).
/// Every figure is a ratio within the run or a size; absolute times only beside them.
/// </summary>
internal static class ScaleRun
{
    private const string User = "scale-user";
    private static readonly string Text = string.Concat(Enumerable.Repeat("the quarterly report for the team, ", 25)); // ~900 chars

    public static async Task<int> RunAsync(string connectionString, string[] args)
    {
        var resident = Ints(Argument(args, "--resident"), [10_000, 1_000_000]);
        var expired = Ints(Argument(args, "--expired"), [1_000_000])[0];
        var cycles = Ints(Argument(args, "--cycles"), [1_000_000])[0];
        var callers = Ints(Argument(args, "--callers"), [8])[0];
        var purgeBatch = Ints(Argument(args, "--purge-batch"), [new ContinuationStateMaintenanceOptions().PurgeBatchSize])[0];
        var purgePause = TimeSpan.FromMilliseconds(Ints(Argument(args, "--purge-pause-ms"), [0])[0]);
        var parts = Argument(args, "--parts")?.Split(',').ToHashSet(StringComparer.Ordinal) ?? ["latency", "purge", "churn"];

        var services = new ServiceCollection();
        services.AddContinuationState(o => o.ConnectionString = connectionString);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
        var service = provider.GetRequiredService<IContinuationService>();
        await using var admin = NpgsqlDataSource.Create(connectionString);
        Console.WriteLine($"scale run: server {await ScalarAsync<string>(admin, "SHOW server_version")}, fsync {await ScalarAsync<string>(admin, "SHOW fsync")}, synchronous_commit {await ScalarAsync<string>(admin, "SHOW synchronous_commit")}, full_page_writes {await ScalarAsync<string>(admin, "SHOW full_page_writes")}; {Environment.ProcessorCount} cores");

        if (parts.Contains("latency"))
        {
            await LatencyAsync(service, admin, resident);
        }

        if (parts.Contains("purge"))
        {
            await PurgeAsync(service, admin, provider, expired, callers, new ContinuationStateMaintenanceOptions { PurgeBatchSize = purgeBatch, PurgeBatchPause = purgePause });
        }

        if (parts.Contains("churn"))
        {
            await ChurnAsync(service, admin, cycles, callers);
        }

        return 0;
    }

    // (1) Latency at each resident count: the table grows, the same operations on random resident rows.
    private static async Task LatencyAsync(IContinuationService service, NpgsqlDataSource admin, int[] resident)
    {
        Console.WriteLine();
        Console.WriteLine("1. Latency with N live 1 KB states resident (1 caller, random resident conversations, after VACUUM ANALYZE):");
        await ResetAsync(admin);
        var rows = new List<(int Resident, Percentiles Load, Percentiles Claim, Percentiles Save)>();
        var seeded = 0;
        foreach (var n in resident.Order())
        {
            var started = Stopwatch.GetTimestamp();
            await SeedAsync(admin, n - seeded, expiredSeconds: null);
            seeded = n;
            await ExecuteAsync(admin, "VACUUM (ANALYZE) pending_tool_state");
            await ExecuteAsync(admin, "VACUUM (ANALYZE) conversations");
            Console.WriteLine($"  seeded {n:N0} states in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s; table {await SizeAsync(admin)}");
            var sample = await SampleAsync(admin, 3_000);
            var snapshot = Snapshot();
            await TimeAsync(sample.Take(500), c => service.LoadStateAsync(c, User)); // warm-up
            var load = await TimeAsync(sample, c => service.LoadStateAsync(c, User));
            var claim = await TimeAsync(sample, async c =>
            {
                var state = await service.ClaimStateAsync(c, User);
                return state;
            }, after: async (c, state) =>
            {
                if (state is not null)
                {
                    await service.ReleaseClaimAsync(state);
                }
            });
            var save = await TimeAsync(sample, c => service.SaveStateAsync(c, User, snapshot));
            rows.Add((n, load, claim, save));
            Console.WriteLine($"  {n,10:N0} resident: load p50 {load.P50:F3} p99 {load.P99:F3} ms; claim p50 {claim.P50:F3} p99 {claim.P99:F3} ms; save p50 {save.P50:F3} p99 {save.P99:F3} ms");
        }

        var first = rows[0];
        foreach (var row in rows.Skip(1))
        {
            Console.WriteLine($"  p99 at {row.Resident:N0} / at {first.Resident:N0}: load {row.Load.P99 / first.Load.P99:F2}, claim {row.Claim.P99 / first.Claim.P99:F2}, save {row.Save.P99 / first.Save.P99:F2} (target for load and claim: ≤ 1.5)");
        }
    }

    // (2) The maintenance purge of many expired states while callers claim live ones.
    private static async Task PurgeAsync(IContinuationService service, NpgsqlDataSource admin, ServiceProvider provider, int expired, int callers, ContinuationStateMaintenanceOptions options)
    {
        Console.WriteLine();
        Console.WriteLine($"2. The maintenance purge of {expired:N0} expired states while {callers} callers claim and release live ones:");
        await ResetAsync(admin);
        await SeedAsync(admin, 10_000, expiredSeconds: null);
        await SeedAsync(admin, expired, expiredSeconds: 60);
        await ExecuteAsync(admin, "VACUUM (ANALYZE) pending_tool_state");
        var live = await SampleAsync(admin, 10_000, liveOnly: true);
        await ClaimLoadAsync(service, live, callers, until: Task.Delay(TimeSpan.FromSeconds(3)), phase: new Phase()); // warm-up

        // The purge runs in 2-second windows with 2-second rests between them, and each claim is classed by whether a
        // purge window was open at any moment of it: idle and during come from the same minutes of a shared machine.
        var dataSource = provider.GetRequiredService<NpgsqlDataSource>();
        var libraryOptions = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ContinuationStateOptions>>().Value;
        var window = TimeSpan.FromSeconds(2);
        var phase = new Phase();
        var purgeTime = TimeSpan.Zero;
        var batchTimes = new List<double>();
        var purging = Task.Run(async () =>
        {
            var total = 0;
            while (true)
            {
                var windowStarted = Stopwatch.GetTimestamp();
                phase.Next(); // odd: a purge window
                var drained = false;
                while (!drained && Stopwatch.GetElapsedTime(windowStarted) < window)
                {
                    var batchStarted = Stopwatch.GetTimestamp();
                    await using var connection = await dataSource.OpenConnectionAsync();
                    var batch = await new PendingToolStateRepository(connection, null, libraryOptions).PurgeExpiredBatchAsync(options.PurgeBatchSize);
                    batchTimes.Add(Stopwatch.GetElapsedTime(batchStarted).TotalMilliseconds);
                    total += batch.Count;
                    drained = batch.Count < options.PurgeBatchSize;
                    if (!drained)
                    {
                        // As the maintenance service does between full batches.
                        await Task.Delay(options.PurgeBatchPause);
                    }
                }

                phase.Next(); // even: a rest, no batch in flight
                purgeTime += Stopwatch.GetElapsedTime(windowStarted);
                if (drained)
                {
                    return total;
                }

                await Task.Delay(window);
            }
        });
        var (idle, during) = await ClaimLoadAsync(service, live, callers, until: purging, phase);
        var purged = await purging;
        var seconds = purgeTime.TotalSeconds;
        batchTimes.Sort();
        Console.WriteLine($"  purged {purged:N0} in {seconds:F1} s of purge windows: {purged / seconds:N0} states/s in batches of {options.PurgeBatchSize}, {options.PurgeBatchPause.TotalMilliseconds:F0} ms apart (batch p50 {Pct(batchTimes, 0.5):F1} ms, max {batchTimes[^1]:F1} ms)");
        Console.WriteLine($"  idle (in the rests): claim p50 {idle.P50:F3} p99 {idle.P99:F3} ms over {idle.Count:N0} claims");
        Console.WriteLine($"  during the purge:    claim p50 {during.P50:F3} p99 {during.P99:F3} ms over {during.Count:N0} claims; p99 during / idle {during.P99 / idle.P99:F2} (target ≤ 2)");
        Console.WriteLine($"  longest claim during the purge {during.Max:F1} ms against the longest batch {batchTimes[^1]:F1} ms");
    }

    /// <summary>Counts purge windows and rests: odd while a window is open, even while resting.</summary>
    private sealed class Phase
    {
        private int _value;

        public int Current => Volatile.Read(ref _value);

        public void Next() => Interlocked.Increment(ref _value);
    }

    // (3) Churn: live pauses replaced over and over; what the table grows to. Vacuum truncates the table's empty tail, so
    // its size rises and falls: total / live is sampled 20 times over the run, not only at the end.
    private static async Task ChurnAsync(IContinuationService service, NpgsqlDataSource admin, int cycles, int callers)
    {
        Console.WriteLine();
        var naptime = await ScalarAsync<string>(admin, "SHOW autovacuum_naptime");
        Console.WriteLine($"3. {cycles:N0} claim → delete → save cycles over 10,000 live pauses, {callers} callers, the server's autovacuum settings (autovacuum_naptime {naptime}):");
        await ResetAsync(admin);
        await SeedAsync(admin, 10_000, expiredSeconds: null);
        var conversations = await SampleAsync(admin, 10_000);
        var snapshot = Snapshot();
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        var samples = new List<string>();
        var ratios = new List<double>();
        using var sampling = new SemaphoreSlim(1, 1);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var mine = conversations.Where((_, i) => i % callers == caller).ToArray();
            for (var i = 0; ; i++)
            {
                var n = Interlocked.Increment(ref done);
                if (n > cycles)
                {
                    return;
                }

                var conversation = mine[i % mine.Length];
                var state = await service.ClaimStateAsync(conversation, User);
                if (state is not null)
                {
                    await service.DeleteStateAsync(state);
                }

                await service.SaveStateAsync(conversation, User, snapshot);
                if (n % (cycles / 20) == 0)
                {
                    await sampling.WaitAsync();
                    try
                    {
                        ratios.Add(await TotalOverLiveAsync(admin));
                        if (n % (cycles / 5) == 0)
                        {
                            samples.Add($"    after {n:N0} cycles ({Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s): {await SizeAsync(admin)}; total / live {ratios[^1]:F2}");
                        }
                    }
                    finally
                    {
                        sampling.Release();
                    }
                }
            }
        })));

        samples.ForEach(Console.WriteLine);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var liveBytes = await LiveBytesAsync(admin);
        var totalBytes = await ScalarAsync<long>(admin, "SELECT pg_total_relation_size('pending_tool_state')");
        Console.WriteLine($"  {cycles / seconds:N0} cycles/s; at the end: {await SizeAsync(admin)}; live data {liveBytes / 1024.0 / 1024.0:F1} MB");
        Console.WriteLine($"  total / live over {ratios.Count} samples: min {ratios.Min():F2}, mean {ratios.Average():F2}, max {ratios.Max():F2}; at the end {totalBytes / (double)liveBytes:F2} (target ≤ 2)");
    }

    private static async Task<double> TotalOverLiveAsync(NpgsqlDataSource admin)
        => await ScalarAsync<long>(admin, "SELECT pg_total_relation_size('pending_tool_state')") / (double)await LiveBytesAsync(admin);

    private static Task<long> LiveBytesAsync(NpgsqlDataSource admin)
        => ScalarAsync<long>(admin, "SELECT coalesce(sum(pg_column_size(p.*)), 0)::bigint FROM pending_tool_state p");

    /// <summary>Claims and releases random live pauses until <paramref name="until"/> ends; a claim that saw only rests is idle.</summary>
    private static async Task<(Percentiles Idle, Percentiles During)> ClaimLoadAsync(IContinuationService service, List<string> live, int callers, Task until, Phase phase)
    {
        var idle = new List<double>[callers];
        var during = new List<double>[callers];
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var (mineIdle, mineDuring) = (idle[caller] = [], during[caller] = []);
            var random = new Random(caller);
            while (!until.IsCompleted)
            {
                var conversation = live[random.Next(live.Count)];
                var phaseBefore = phase.Current;
                var started = Stopwatch.GetTimestamp();
                PendingToolState? state;
                try
                {
                    state = await service.ClaimStateAsync(conversation, User);
                }
                catch (ResumeInProgressException)
                {
                    continue; // another caller holds it: not a latency of the table
                }

                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                (phaseBefore % 2 == 0 && phase.Current == phaseBefore ? mineIdle : mineDuring).Add(elapsed);
                if (state is not null)
                {
                    await service.ReleaseClaimAsync(state);
                }
            }
        })));
        return (Percentiles.Of(idle.SelectMany(l => l).ToList()), Percentiles.Of(during.SelectMany(l => l).ToList()));
    }

    private static async Task<Percentiles> TimeAsync<T>(IEnumerable<string> conversations, Func<string, Task<T>> run, Func<string, T, Task>? after = null)
    {
        var latencies = new List<double>();
        foreach (var conversation in conversations)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await run(conversation);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (after is not null)
            {
                await after(conversation, result);
            }
        }

        return Percentiles.Of(latencies);
    }

    private static ContinuationSnapshot Snapshot() => new(
        Messages: new object[] { new { role = "user", content = Text }, new { role = "assistant", content = "I can do that." } },
        PendingToolCalls: new[] { new { call_id = "call_1", name = "send_email", arguments = new { to = "team@example.com" } } },
        ToolsDict: new Dictionary<string, object> { ["send_email"] = new { requires_approval = true } },
        ToolSchemas: new[] { new { type = "function", name = "send_email" } },
        AgentConfig: new { agent_id = "agent-1" });

    /// <summary>Adds <paramref name="count"/> conversations with a 1 KB state each, server-side; expired when asked.</summary>
    private static async Task SeedAsync(NpgsqlDataSource admin, int count, int? expiredSeconds)
    {
        const int Batch = 100_000;
        for (var done = 0; done < count; done += Batch)
        {
            var n = Math.Min(Batch, count - done);
            await using var command = admin.CreateCommand("""
                WITH c AS (
                    INSERT INTO conversations (user_id, name) SELECT $1, 'scale' FROM generate_series(1, $2) RETURNING id
                )
                INSERT INTO pending_tool_state (conversation_id, user_id, messages, pending_tool_calls, tools_dict, tool_schemas, agent_config, client_tools, created_at, expires_at, status)
                SELECT c.id, $1, jsonb_build_array(jsonb_build_object('role', 'user', 'content', $3::text), '{"role":"assistant","content":"I can do that."}'::jsonb),
                       '[{"call_id":"call_1","name":"send_email","arguments":{"to":"team@example.com"}}]', '{"send_email":{"requires_approval":true}}',
                       '[{"type":"function","name":"send_email"}]', '{"agent_id":"agent-1"}', NULL, clock_timestamp(),
                       CASE WHEN $4 < 0 THEN clock_timestamp() + interval '1 day' ELSE clock_timestamp() - make_interval(secs => $4) END, 'pending'
                FROM c
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = User });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = n });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expiredSeconds ?? -1 });
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<List<string>> SampleAsync(NpgsqlDataSource admin, int count, bool liveOnly = false)
    {
        await using var command = admin.CreateCommand($"SELECT conversation_id::text FROM pending_tool_state {(liveOnly ? "WHERE expires_at > clock_timestamp()" : "")} ORDER BY random() LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        command.CommandTimeout = 0;
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<string> SizeAsync(NpgsqlDataSource admin)
    {
        await using var command = admin.CreateCommand("""
            SELECT pg_relation_size(c.oid), coalesce(pg_total_relation_size(c.reltoastrelid), 0), pg_indexes_size(c.oid),
                   s.n_live_tup, s.n_dead_tup, s.autovacuum_count
            FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.relname = 'pending_tool_state'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
        return $"table {Mb(reader.GetInt64(0))}, TOAST {Mb(reader.GetInt64(1))}, indexes {Mb(reader.GetInt64(2))}, live tuples {reader.GetInt64(3):N0}, dead {reader.GetInt64(4):N0}, autovacuums {reader.GetInt64(5)}";
    }

    private static async Task ResetAsync(NpgsqlDataSource admin)
    {
        await ExecuteAsync(admin, "TRUNCATE pending_tool_state, resume_receipts, conversations CASCADE");
        await ExecuteAsync(admin, "ALTER TABLE pending_tool_state RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_cost_delay, autovacuum_analyze_scale_factor)");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource admin, string sql)
    {
        await using var command = admin.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource admin, string sql)
    {
        await using var command = admin.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static int[] Ints(string? value, int[] fallback)
        => value is null ? fallback : value.Split(',').Select(v => int.Parse(v, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).ToArray();

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private sealed record Percentiles(double P50, double P99, double Max, int Count)
    {
        public static Percentiles Of(List<double> latencies)
        {
            latencies.Sort();
            return new Percentiles(Pct(latencies, 0.5), Pct(latencies, 0.99), latencies.Count == 0 ? 0 : latencies[^1], latencies.Count);
        }
    }
}
