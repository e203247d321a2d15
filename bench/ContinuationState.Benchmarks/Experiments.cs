using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContinuationState.Internal;
using ContinuationState.Serialization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Benchmarks;

/// <summary>
/// Side-by-side runs that price a change to the library before anyone makes it: a raw baseline with one knob
/// turned (sequential access, prepared statements, JSON parsing) against the plain baseline, the library on its own
/// data source against the library on a default one, and the in-memory cost of coercion.
/// </summary>
internal static class Experiments
{
    private static readonly Dictionary<string, Side> Sides = new(StringComparer.Ordinal);

    /// <summary>The sides whose connections have saved a state of the size, as the main table's contenders have.</summary>
    private static readonly HashSet<(IStateClient Client, int Size)> Warmed = [];

    public static async Task<IReadOnlyList<Row>> RunAsync(
        int size,
        Payload payload,
        NpgsqlDataSource dataSource,
        string connectionString,
        LibrarySql sql,
        BenchContext context,
        MeasureSettings settings,
        Side library,
        Side raw,
        string schema)
    {
        var measurement = new Measurement(context, settings);
        var rows = new List<Row>();

        async Task CompareAsync(Operation op, Side ours, Side theirs, string oursLabel, string theirsLabel)
        {
            ours.Client.Use(payload);
            theirs.Client.Use(payload);
            await WarmAsync(ours);
            await WarmAsync(theirs);
            var cell = await measurement.SequentialAsync(op, ours, theirs);
            var row = new Row($"{op.Name}: {oursLabel} vs {theirsLabel}", "uuid", "json_element", 1, size, payload.ActualBytes, op.RoundTrips, cell, oursLabel, theirsLabel);
            rows.Add(row);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  experiment {row.BaseOp,-44} {Payload.Label(size),6}  {cell.Library.OpsPerSec,9:0.0}/s vs {cell.Raw.OpsPerSec,9:0.0}/s  ratio {row.Ratio:0.00}  p50 {cell.Library.P50Ms:0.00} vs {cell.Raw.P50Ms:0.00} ms  alloc {cell.Library.AllocBytesPerOp / 1024:0.0} vs {cell.Raw.AllocBytesPerOp / 1024:0.0} KB"));
        }

        // A side met first at a large size would spend its first cell on what the main table's contenders did
        // before theirs (see Program's warm-up): a new backend's first large statements run far slower.
        async Task WarmAsync(Side side)
        {
            if (size < 1 << 20 || !Warmed.Add((side.Client, size)))
            {
                return;
            }

            for (var i = 0; i < Measurement.WarmSaves; i++)
            {
                await side.Client.SaveAsync(side.Key($"warm{i}"));
            }

            await context.Database.ClearAsync(side.Conversation);
            await context.Database.SettleAsync();
        }

        async Task<Side> SideAsync(string name, Func<IStateClient> client)
        {
            if (!Sides.TryGetValue(name, out var side))
            {
                var conversation = await context.Database.CreateConversationAsync("bench-user");
                side = Sides[name] = new Side(client(), conversation, conversation.ToString());
            }

            return side;
        }

        var sequential = await SideAsync("raw+sequential", () => new RawClient("raw+sequential", dataSource, sql, RawVariant.SequentialAccess));
        var parsed = await SideAsync("raw+parse", () => new RawClient("raw+parse", dataSource, sql, RawVariant.ParseJson));
        var parsedSequential = await SideAsync("raw+parse+sequential", () => new RawClient("raw+parse+sequential", dataSource, sql, RawVariant.ParseJson | RawVariant.SequentialAccess));
        var prepared = await SideAsync("raw+prepared", () => new RawClient("raw+prepared", dataSource, sql, RawVariant.Prepared));
        var dapper = await SideAsync("raw+dapper", () => new RawClient("raw+dapper", dataSource, sql, RawVariant.Dapper));
        var dapperParsed = await SideAsync("raw+dapper+parse", () => new RawClient("raw+dapper+parse", dataSource, sql, RawVariant.Dapper | RawVariant.ParseJson));

        // What reading the state costs, and what it costs once a host has read every part (the library parses a
        // part on first read), against raw Npgsql that parses every part too.
        var libraryReadingParts = await SideAsync("library+read parts", () => new LibraryClient("library+read parts", ((LibraryClient)library.Client).Service, clrPayload: false, readParts: true));
        foreach (var op in new[] { Operation.LoadHit, Operation.Claim })
        {
            await CompareAsync(op, parsed, raw, "raw+parse", "raw");
            if (size >= 64 << 10)
            {
                await CompareAsync(op, sequential, raw, "raw+sequential", "raw");
                await CompareAsync(op, libraryReadingParts, parsedSequential, "library, every part read", "raw+parse+sequential");
            }
        }

        if (size == 1 << 10)
        {
            foreach (var op in new[] { Operation.SaveExisting, Operation.LoadHit, Operation.Claim, Operation.Release, Operation.Delete })
            {
                await CompareAsync(op, prepared, raw, "raw+prepared", "raw");
                await CompareAsync(op, dapper, raw, "raw+dapper", "raw");
            }

            // What is left of the library's overhead once Dapper and parsing are accounted for.
            foreach (var op in new[] { Operation.SaveExisting, Operation.LoadHit })
            {
                await CompareAsync(op, library, dapperParsed, "library", "raw+dapper+parse");
            }

            // Npgsql resets a pooled connection's state when it is returned; a data source can skip that.
            var noReset = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
            var noResetSource = NoResetSource ??= NpgsqlDataSource.Create(noReset.ConnectionString);
            var noResetRaw = await SideAsync("raw+noreset", () => new RawClient("raw+noreset", noResetSource, sql));
            foreach (var op in new[] { Operation.LoadHit, Operation.Release })
            {
                await CompareAsync(op, noResetRaw, raw, "raw (No Reset On Close)", "raw");
            }

            // The library on its own data source (prepared, no reset on close) against the same library on a data
            // source registered with default settings: what AddContinuationState's own data source buys, and what a
            // host that registers its own data source gains by setting the same.
            var defaultLibrary = await SideAsync("library+default data source", () => DefaultLibrary(dataSource, schema));
            foreach (var op in new[] { Operation.SaveExisting, Operation.LoadHit, Operation.Claim, Operation.Release })
            {
                await CompareAsync(op, library, defaultLibrary, "library", "library on a default data source");
            }
        }

        // The idempotent claim locks the receipt row too, writes a 'running' receipt and carries the state's columns for
        // a re-delivered claim: priced against the plain claim, same library, same data source, at every size.
        var resumeClaims = await SideAsync("library+claim for resume", () => new ResumeClaimClient((LibraryClient)library.Client));
        await CompareAsync(Operation.Claim, resumeClaims, library, "library, claim for resume", "library, plain claim");

        if (size >= 1 << 20)
        {
            // Where a large save's time goes beside the server's: the library's own data source against a default
            // one (preparation and no reset, next to a 20 ms call), and raw Npgsql prepared against unprepared.
            var defaultLibrary = await SideAsync("library+default data source", () => DefaultLibrary(dataSource, schema));
            await CompareAsync(Operation.SaveExisting, library, defaultLibrary, "library", "library on a default data source");
            await CompareAsync(Operation.SaveExisting, prepared, raw, "raw+prepared", "raw");
            await CompareAsync(Operation.SaveExisting, defaultLibrary, raw, "library on a default data source", "raw");

            // A large save's server time is mostly planning the 1 MB value as a constant (custom plans) and compressing
            // it (TOAST): lz4 alone against the server's default pglz, raw Npgsql with every setting the library's own
            // data source makes (what a host registering its own data source should set), and the library against it.
            var lz4Source = Lz4Source ??= NpgsqlDataSource.Create(WithLz4(connectionString));
            var lz4Raw = await SideAsync("raw+lz4", () => new RawClient("raw+lz4", lz4Source, sql));
            var tunedSource = TunedSource ??= NpgsqlDataSource.Create(WithLibrarySettings(connectionString));
            var tunedRaw = await SideAsync("raw+library settings", () => new RawClient("raw+library settings", tunedSource, sql));
            await CompareAsync(Operation.SaveExisting, lz4Raw, raw, "raw (lz4)", "raw");
            await CompareAsync(Operation.SaveExisting, tunedRaw, raw, "raw (library's settings)", "raw");
            await CompareAsync(Operation.LoadHit, tunedRaw, raw, "raw (library's settings)", "raw");
            await CompareAsync(Operation.SaveExisting, library, tunedRaw, "library", "raw (library's settings)");
            await CompareAsync(Operation.LoadHit, library, tunedRaw, "library", "raw (library's settings)");

            // A delete removes every TOAST chunk of the row, and an lz4 row has more of them than a pglz one.
            await CompareAsync(Operation.Delete, lz4Raw, raw, "raw (lz4)", "raw");
        }

        Cpu(payload);
        return rows;
    }

    private static NpgsqlDataSource? NoResetSource { get; set; }

    private static NpgsqlDataSource? Lz4Source { get; set; }

    private static NpgsqlDataSource? TunedSource { get; set; }

    /// <summary>The connection string with every setting the library's own data source makes, as docs/performance.md tells a host to set them.</summary>
    internal static string WithLibrarySettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(WithLz4(connectionString))
        {
            MaxAutoPrepare = LibraryDataSources.MaxAutoPrepare,
            AutoPrepareMinUsages = LibraryDataSources.AutoPrepareMinUsages,
            NoResetOnClose = true,
        };
        builder.Options += " -c plan_cache_mode=force_generic_plan";
        return builder.ConnectionString;
    }

    /// <summary>The connection string with lz4 as the session's TOAST compression, as a host registering its own data source would set it.</summary>
    internal static string WithLz4(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options)
            ? "-c default_toast_compression=lz4"
            : builder.Options + " -c default_toast_compression=lz4";
        return builder.ConnectionString;
    }

    private static LibraryClient DefaultLibrary(NpgsqlDataSource dataSource, string schema) => new(
        "library+default data source", new ContinuationService(dataSource, Options.Create(new ContinuationStateOptions { Schema = schema })), clrPayload: false);

    /// <summary>
    /// The in-memory share of a save and a load: the library's coercion of the payload into UTF-8 JSON (what the
    /// raw baseline skips by sending pre-serialised bytes), and parsing the bytes read back into JsonElements.
    /// </summary>
    private static void Cpu(Payload payload)
    {
        var options = ContinuationJsonOptions.Default;
        var parts = new Func<ContinuationSnapshot, object?>[] { s => s.Messages, s => s.PendingToolCalls, s => s.ToolsDict, s => s.ToolSchemas, s => s.AgentConfig };
        var bytes = new[] { payload.Bytes.Messages, payload.Bytes.PendingToolCalls, payload.Bytes.ToolsDict, payload.Bytes.ToolSchemas, payload.Bytes.AgentConfig };
        var coerceJson = Time(() => parts.Sum(p => ContinuationJson.SerializeToUtf8Bytes(p(payload.Json), options).Length));
        var coerceClr = Time(() => parts.Sum(p => ContinuationJson.SerializeToUtf8Bytes(p(payload.Clr), options).Length));
        var parse = Time(() => bytes.Sum(b => JsonDocument.Parse(b, new JsonDocumentOptions { MaxDepth = 10_000 }).RootElement.ValueKind == JsonValueKind.Undefined ? 0 : 1));
        var copy = Time(() => bytes.Sum(b => b.AsSpan().ToArray().Length));
        // What a save of the JsonElements does in process: check, copy into the pooled array, zero it afterwards.
        var saveParameters = Time(() =>
        {
            using var parameters = SnapshotParameters.Serialize(payload.Json, options);
            return (int)parameters.TotalBytes;
        });
        var serializeClr = Time(() => parts.Sum(p => RawClient.SerializeClr(p(payload.Clr)).Length));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  cpu {Payload.Label(payload.NominalBytes),6}: ContinuationJson of the JsonElements (canonical) {coerceJson.Ms:0.000} ms ({coerceJson.Alloc / 1024:0.0} KB), a save's check and copy of them {saveParameters.Ms:0.000} ms ({saveParameters.Alloc / 1024:0.0} KB), of the CLR objects {coerceClr.Ms:0.000} ms ({coerceClr.Alloc / 1024:0.0} KB), System.Text.Json of the CLR objects {serializeClr.Ms:0.000} ms ({serializeClr.Alloc / 1024:0.0} KB), parse to JsonElement {parse.Ms:0.000} ms, byte copy {copy.Ms:0.000} ms"));
    }

    private static (double Ms, double Alloc) Time(Func<int> work)
    {
        _ = work();
        var calls = 0;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        while (calls < 3 || (Stopwatch.GetElapsedTime(started).TotalSeconds < 0.2 && calls < 10_000))
        {
            _ = work();
            calls++;
        }

        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds / calls;
        return (ms, (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / calls);
    }
}
