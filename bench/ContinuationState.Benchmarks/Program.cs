// The benchmark harness of issue 5: every operation of the library, on the data source AddContinuationState builds
// from the connection string, against a raw Npgsql baseline that sends the same SQL unprepared on a default data
// source, interleaved, at 1 KB to 16 MB and 1 to 64 callers; then, at 1 KB, against the limit (issue 16): raw Npgsql
// with prepared statements, and pgbench -M prepared running the library's own load and save statements. Then the
// workflow checkpoint store (issue 27) against raw prepared Npgsql running its SQL, at 2 KB and 256 KB. Between them
// (issue 28) the paths section: the library on a host-registered data source at Npgsql's defaults and on its own, each
// against raw prepared Npgsql on a data source with the same settings, every operation, 1 KB and 4 KB and the state
// section's sizes, 1 and 8 callers.
//   ./build.sh bench --quick            a few minutes; writes artifacts/bench/summary.json
//   ./build.sh bench                    the full run, with the experiments
//   ./build.sh bench --quick --durable  the same on a server with fsync, synchronous_commit and full_page_writes on
// Options: --quick, --experiments, --no-experiments, --sizes 1KB,64KB,1MB,16MB (the state section's),
//          --path-sizes 1KB,4KB (the paths section's; default 1 KB, 4 KB and the state section's sizes, up to 1 MB in
//          quick mode), --ops save_new,load_hit,checkpoint_create, --sections state,paths,checkpoints (all by
//          default), --durable (refuse a server with any of the three off), --out DIR, --check (exit 1 when a target
//          fails).
//   ./build.sh bench --scale        issue 28's scale figures instead (ScaleRun: 10 thousand and 1 million states,
//                                   a 1-million-row purge, 1 million churn cycles; --resident, --expired, --cycles)
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ContinuationState;
using ContinuationState.Benchmarks;
using ContinuationState.Extensions.AI.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var quick = args.Contains("--quick");
var check = args.Contains("--check");
var experiments = args.Contains("--experiments") || (!quick && !args.Contains("--no-experiments"));
var sizes = Argument("--sizes")?.Split(',').Select(ParseSize).ToArray() ?? [1 << 10, 64 << 10, 1 << 20, 16 << 20];
var onlyOps = Argument("--ops")?.Split(',').ToHashSet(StringComparer.Ordinal);
var sections = Argument("--sections")?.Split(',').ToHashSet(StringComparer.Ordinal) ?? ["state", "paths", "checkpoints"];
if (sections.Except(["state", "paths", "checkpoints"]).FirstOrDefault() is { } unknownSection)
{
    Console.Error.WriteLine($"Unknown section '{unknownSection}': --sections takes state, paths, checkpoints, or several.");
    return 2;
}

var durable = args.Contains("--durable");
var pathSizes = Argument("--path-sizes")?.Split(',').Select(ParseSize).ToArray()
    ?? [.. sizes.Where(size => !quick || size <= 1 << 20).Append(1 << 10).Append(4 << 10).Distinct().Order()];

var outDir = Argument("--out") ?? Path.Combine(RepositoryRoot(), "artifacts", "bench");
var settings = quick ? MeasureSettings.Quick : MeasureSettings.Full;

var connectionString = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_CONNECTION");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("Set CONTINUATIONSTATE_CONNECTION, or run ./build.sh bench to get a throwaway PostgreSQL.");
    return 2;
}

if (args.Contains("--scale"))
{
    return await ScaleRun.RunAsync(connectionString, args);
}

var total = Stopwatch.StartNew();
const string Schema = "continuationstate_bench";

// The baseline's data source, with default settings (as a host registers one); it also does the set-up.
await using var dataSource = NpgsqlDataSource.Create(connectionString);
// Raw Npgsql at its best: every statement prepared, no reset on close.
await using var preparedSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString);
var database = await BenchDatabase.CreateAsync(dataSource, Schema);
// The library as a host gets it from AddContinuationState with a connection string: its own data sources.
await using var libraryProvider = LibraryProvider(connectionString, Schema);
// The checkpoint store as AddContinuationStateWorkflows registers it, on data sources of its own: the state section's
// concurrent cells leave dozens of idle connections in the library's pool that never prepared the store's statements.
await using var checkpointProvider = LibraryProvider(connectionString, Schema, workflows: true);
// Its baseline: raw Npgsql with every setting the library's own data source makes (prepared, no reset on close,
// generic plans, lz4 TOAST compression), preparing each command itself.
await using var checkpointRawSource = NpgsqlDataSource.Create(Experiments.WithLibrarySettings(connectionString));
// The checkpoint rows' set-up, on the same settings (lz4: its rows compressed as the library's writes are) but a pool of
// its own, so neither contender's connection is the one that wrote the 1,000 checkpoints.
await using var checkpointSetupSource = NpgsqlDataSource.Create(Experiments.WithLibrarySettings(connectionString));
// The paths section's contenders (issue 28), each on data sources of its own: raw prepared Npgsql at Npgsql's defaults,
// with No Reset On Close, and with every setting the library's own data source makes; the library on a data source the
// host registers (as AddNpgsqlDataSource does: in the container, at Npgsql's defaults) and on its own.
await using var pathRawDefaultsSource = NpgsqlDataSource.Create(connectionString);
await using var pathRawNoResetSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString);
await using var pathRawLibrarySettingsSource = NpgsqlDataSource.Create(Experiments.WithLibrarySettings(connectionString));
await using var hostProvider = HostProvider(connectionString, Schema);
await using var ownProvider = LibraryProvider(connectionString, Schema);
try
{
    var service = libraryProvider.GetRequiredService<ContinuationService>();
    var sql = LibrarySql.For(Schema);

    const string User = "bench-user";
    const string LegacyId = "65f1c0ffee00000000000001";
    const string ResolvedLegacyId = "65f1c0ffee00000000000002";
    const string RawColdLegacyId = "65f1c0ffee00000000000003";
    var libraryConversation = await database.CreateConversationAsync(User);
    var rawConversation = await database.CreateConversationAsync(User);
    var legacyConversation = await database.CreateConversationAsync(User, LegacyId);
    var resolvedConversation = await database.CreateConversationAsync(User, ResolvedLegacyId);
    var rawColdConversation = await database.CreateConversationAsync(User, RawColdLegacyId);

    var raw = new RawClient("raw", dataSource, sql);
    var rawPrepared = new RawClient("raw prepared", preparedSource, sql, RawVariant.Prepared);
    var rawPreparedConversation = await database.CreateConversationAsync(User);
    var rawPreparedSide = new Side(rawPrepared, rawPreparedConversation, rawPreparedConversation.ToString());
    // As pgbench runs: one connection held open across calls, no pool in between.
    var rawHeld = new RawClient("raw prepared, one open connection", preparedSource, sql, RawVariant.Prepared | RawVariant.HeldConnection);
    var rawHeldConversation = await database.CreateConversationAsync(User);
    var rawHeldSide = new Side(rawHeld, rawHeldConversation, rawHeldConversation.ToString());
    // And as libpq runs: synchronous calls on that one connection (loads only).
    var rawSync = new RawClient("raw prepared, synchronous, one open connection", preparedSource, sql, RawVariant.Prepared | RawVariant.HeldConnection | RawVariant.Synchronous);
    var rawSyncConversation = await database.CreateConversationAsync(User);
    var rawSyncSide = new Side(rawSync, rawSyncConversation, rawSyncConversation.ToString());
    var putter = new RawClient("set-up", dataSource, sql);
    var rawSide = new Side(raw, rawConversation, rawConversation.ToString());
    var variants = new (string IdKind, string PayloadKind, Side Library, Side Raw, int Trips)[]
    {
        ("uuid", "json_element", new Side(new LibraryClient("library", service, clrPayload: false), libraryConversation, libraryConversation.ToString()), rawSide, 1),
        // CLR objects must be serialized by any host: their baseline is raw Npgsql sending what System.Text.Json writes.
        ("uuid", "clr", new Side(new LibraryClient("library (CLR)", service, clrPayload: true), libraryConversation, libraryConversation.ToString()),
            new Side(new RawClient("raw + System.Text.Json", dataSource, sql, RawVariant.SerializeClr), rawConversation, rawConversation.ToString()), 1),
        ("legacy", "json_element", new Side(new LibraryClient("library (legacy id)", service, clrPayload: false), legacyConversation, LegacyId), rawSide, 1),
        // The library resolves a legacy id inside its one statement; a host without that resolves it first.
        ("legacy_resolve", "json_element",
            new Side(new LibraryClient("library (legacy id)", service, clrPayload: false), resolvedConversation, ResolvedLegacyId),
            new Side(new RawClient("raw (resolve, then statement)", dataSource, sql, RawVariant.ResolveLegacy), rawColdConversation, RawColdLegacyId),
            1),
    };
    var clients = variants.SelectMany(v => new[] { v.Library.Client, v.Raw.Client }).Append(putter).Append(rawPrepared).Append(rawHeld).Append(rawSync).Distinct().ToList();
    var context = new BenchContext(database, putter);
    var measurement = new Measurement(context, settings);

    // Which cells to measure: everything with UUIDs and JsonElements; the variants where they can differ.
    bool Wanted(string idKind, string payloadKind, Operation op, int size)
    {
        if (onlyOps is not null && !onlyOps.Contains(op.Name))
        {
            return false;
        }

        return (idKind, payloadKind) switch
        {
            ("uuid", "json_element") => true,
            ("uuid", "clr") => op == Operation.SaveNew || op == Operation.SaveExisting || (!quick && op == Operation.Cycle),
            ("legacy", _) => size == 1 << 10 || (!quick && size == 1 << 20),
            ("legacy_resolve", _) => size == 1 << 10 && (op == Operation.LoadHit || (!quick && op == Operation.SaveExisting)),
            _ => false,
        };
    }

    int[] ConcurrencyFor(int size) => size == 1 << 10 || (!quick && size <= 1 << 20) ? [8, 64] : [];

    Console.WriteLine($"ContinuationState benchmark ({(quick ? "quick" : "full")}): {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
    var durability = await DurabilityAsync(dataSource);
    Console.WriteLine($"server: {await ServerVersionAsync(dataSource)}, {durability}; raw's data source: {Describe(dataSource.ConnectionString)}; library's: {Describe(LibraryStatementsConnectionString(service))}");
    if (durable && durability.Contains("=off", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"--durable: this server has {durability}; start it with all three on (./build.sh bench --durable does).");
        return 2;
    }

    Console.WriteLine("library payload: JsonElement; raw payload: the same JSON pre-serialised to UTF-8. Rows marked clr: a CLR object graph, against raw Npgsql that serializes it with System.Text.Json on every save");
    var checkpointSection = sections.Contains("checkpoints") && (onlyOps is null || CheckpointSection.Operations.Any(op => onlyOps.Contains(op.Name)))
        ? await CheckpointSectionAsync()
        : null;
    var runState = sections.Contains("state") && (onlyOps is null || Operation.All.Any(op => onlyOps.Contains(op.Name)));
    var runPaths = sections.Contains("paths") && (onlyOps is null || Operation.All.Any(op => onlyOps.Contains(op.Name)));
    Console.WriteLine();

    // Warm every path up (JIT tiers, pool, plan caches) before anything is timed.
    if (runState)
    {
        var warm = Payload.Create(1 << 10);
        clients.ForEach(c => c.Use(warm));
        // Twice, with a pause between: the runtime promotes hot methods to optimized code in the background once
        // the first pass stops producing new ones; the second pass then runs (and counts calls of) that code.
        foreach (var (calls, pause) in new[] { (150, 300), (50, 0) })
        {
            var warmSettings = settings with { BlockSeconds = 1e9, MinRounds = 2, MaxRounds = 2, MaxPerRound = calls };
            var warmMeasurement = new Measurement(context, warmSettings);
            foreach (var variant in variants)
            {
                foreach (var op in Operation.All)
                {
                    await warmMeasurement.SequentialAsync(op, variant.Library, variant.Raw);
                }
            }

            await Task.Delay(pause);
        }

        Console.WriteLine($"warmed up in {total.Elapsed.TotalSeconds:0.0} s");
    }

    var rows = new List<Row>();
    var limitRows = new List<Row>();
    var experimentRows = new List<Row>();
    var floor = runState ? PgbenchFloor.Find(connectionString, outDir) : null;
    if (runState)
    {
        Console.WriteLine(floor is null ? "pgbench not found: no server-side floor in this run" : $"floor: {floor.Version} -M prepared, one client");
    }

    foreach (var size in runState ? sizes : [])
    {
        var payload = Payload.Create(size);
        clients.ForEach(c => c.Use(payload));
        measurement.BeforeBlock = size >= 1 << 20 ? database.SettleAsync : null;
        if (size >= 1 << 20)
        {
            // Untimed: a fresh server creates its WAL files as the first large rows arrive; let that happen here,
            // not inside the first cell's rounds.
            for (var i = 0; i < 6; i++)
            {
                await putter.SaveAsync(rawSide.Key($"warm{i}"));
            }

            // And every contender's own connections, and the table's free space for rows of this size: a backend's
            // first large statements, and saves that must extend the table, run at a half or a third of the settled
            // speed, which would fall on whichever side a cell met first.
            foreach (var side in variants.SelectMany(v => new[] { v.Library, v.Raw }).DistinctBy(s => s.Client))
            {
                for (var i = 0; i < Measurement.WarmSaves; i++)
                {
                    await side.Client.SaveAsync(side.Key($"warm{i}"));
                }

                await database.ClearAsync(side.Conversation);
            }

            await database.ClearAsync(rawSide.Conversation);
            await database.SettleAsync();
        }
        Console.WriteLine($"{Payload.Label(size)}: {payload.ActualBytes:N0} bytes of JSON, {payload.MessageCount:N0} messages");
        foreach (var (idKind, payloadKind, library, rawVariant, trips) in variants)
        {
            foreach (var op in Operation.All.Where(op => Wanted(idKind, payloadKind, op, size)))
            {
                var cell = await measurement.SequentialAsync(op, library, rawVariant);
                var row = new Row(op.Name, idKind, payloadKind, 1, size, payload.ActualBytes, op.RoundTrips * trips, cell);
                rows.Add(row);
                Progress(row);
            }
        }

        if (size == 1 << 10)
        {
            // Against the limit, one caller: raw Npgsql with every statement prepared, then pgbench.
            Console.WriteLine("1 KB against raw prepared Npgsql and pgbench -M prepared:");
            var library = variants[0].Library;
            foreach (var op in new[] { Operation.SaveNew, Operation.SaveExisting, Operation.LoadHit, Operation.LoadMiss, Operation.Claim, Operation.Release, Operation.Delete }
                .Where(op => onlyOps is null || onlyOps.Contains(op.Name)))
            {
                var cell = await measurement.SequentialAsync(op, library, rawPreparedSide);
                var row = new Row(op.Name, "uuid", "json_element", 1, size, payload.ActualBytes, op.RoundTrips, cell, "library", "raw prepared", "raw_prepared");
                limitRows.Add(row);
                Progress(row);
            }

            if (floor is not null)
            {
                foreach (var (op, target) in new[] { (Operation.LoadHit, (double?)0.75), (Operation.SaveExisting, (double?)0) }
                    .Where(x => onlyOps is null || onlyOps.Contains(x.Item1.Name)))
                {
                    List<(string, Side, double?)> contenders = [("library", library, target), ("raw prepared", rawPreparedSide, 0), ("raw prepared, one open connection", rawHeldSide, 0)];
                    if (op == Operation.LoadHit)
                    {
                        contenders.Add((rawSync.Name, rawSyncSide, 0));
                    }

                    var floorRows = await floor.MeasureAsync(op, sql, payload, context, contenders, quick ? 12 : 24, 0.25);
                    limitRows.AddRange(floorRows);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {op.Name,-28} {"1 KB",6}  pgbench {floorRows[0].Cell.Raw.OpsPerSec,9:0.0}/s  {string.Join("  ", floorRows.Select(r => $"{r.LibraryLabel} {r.Cell.Library.OpsPerSec:0.0}/s ({r.Ratio:0.00})"))}"));
                }
            }
        }

        if (experiments)
        {
            experimentRows.AddRange(await Experiments.RunAsync(size, payload, dataSource, connectionString, sql, context, settings, variants[0].Library, rawSide, Schema));
        }

        await database.VacuumAsync();
    }

    // The concurrent cells last: they leave dozens of idle connections in each pool, which Npgsql hands out in turn,
    // so a sequential cell after them would run mostly on connections that have not yet prepared its statement (a
    // cost each connection pays once, which a cell of a dozen large-payload calls would measure instead of the call).
    foreach (var size in sizes.Where(size => runState && ConcurrencyFor(size).Length > 0))
    {
        var payload = Payload.Create(size);
        clients.ForEach(c => c.Use(payload));
        measurement.BeforeBlock = size >= 1 << 20 ? database.SettleAsync : null;
        Console.WriteLine($"{Payload.Label(size)}, concurrent callers:");
        foreach (var callers in ConcurrencyFor(size))
        {
            foreach (var op in Operation.Concurrent.Where(op => onlyOps is null || onlyOps.Contains(op.Name)))
            {
                var cell = await measurement.ConcurrentAsync(op, variants[0].Library, variants[0].Raw, callers);
                var sequential = rows.FirstOrDefault(r => r.BaseOp == op.Name && r.PayloadBytes == size && r.Op == op.Name);
                var tripsPerOp = sequential?.Cell.Library.RoundTripsPerOp ?? double.NaN;
                cell = cell with { Library = cell.Library with { RoundTripsPerOp = tripsPerOp }, Raw = cell.Raw with { RoundTripsPerOp = sequential?.Cell.Raw.RoundTripsPerOp ?? double.NaN } };
                var row = new Row(op.Name, "uuid", "json_element", callers, size, payload.ActualBytes, op.RoundTrips, cell);
                rows.Add(row);
                Progress(row);
            }
        }

        await database.VacuumAsync();
    }

    var pathRows = runPaths ? await PathsAsync(context, sql, durability, User) : [];

    var checkpointRows = new List<Row>();
    if (checkpointSection is not null)
    {
        Console.WriteLine("Workflow checkpoints: library (PostgresCheckpointStore) against raw prepared Npgsql, same SQL, same data source settings:");
        checkpointRows = await checkpointSection.RunAsync(op => onlyOps is null || onlyOps.Contains(op), concurrent: true, Progress);
    }

    // Listed by size, then callers, as before the concurrent cells moved to the end.
    rows = [.. rows.OrderBy(r => r.PayloadBytes).ThenBy(r => r.Concurrency)];
    checkpointRows = [.. checkpointRows.OrderBy(r => r.PayloadBytes).ThenBy(r => r.Concurrency)];

    Directory.CreateDirectory(outDir);
    var summaryPath = Path.Combine(outDir, "summary.json");
    pathRows = [.. pathRows.OrderBy(r => r.PayloadBytes).ThenBy(r => r.Concurrency)];
    await Report.WriteJsonAsync(summaryPath, rows.Concat(limitRows).Concat(pathRows).Concat(checkpointRows));
    var table = Report.Table(rows);
    var limitTable = Report.LimitTable(limitRows);
    const string CheckpointHeading = "Workflow checkpoints against raw prepared Npgsql (same SQL, same data source settings; the rows inform, no target):";
    var checkpointTable = Report.Table(checkpointRows);
    var pathHeading = $"The host's data source and the library's own, against raw prepared Npgsql (same rounds; {durability}):";
    var pathTable = PathSection.Table(pathRows);
    await File.WriteAllTextAsync(
        Path.Combine(outDir, "summary.md"),
        table + "\nAgainst the limit (one caller):\n\n" + limitTable + (pathRows.Count > 0 ? $"\n{pathHeading}\n\n{pathTable}" : "")
        + (checkpointRows.Count > 0 ? $"\n{CheckpointHeading}\n\n{checkpointTable}" : ""));
    Console.WriteLine();
    if (rows.Count > 0)
    {
        Console.WriteLine(table);
    }

    if (limitRows.Count > 0)
    {
        Console.WriteLine("Against the limit (one caller):");
        Console.WriteLine(limitTable);
    }

    if (pathRows.Count > 0)
    {
        Console.WriteLine(pathHeading);
        Console.WriteLine(pathTable);
        var targeted = pathRows.Where(r => r.RatioTarget > 0).ToList();
        if (targeted.Count > 0)
        {
            var lowestPath = targeted.MinBy(r => r.Ratio)!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"paths: {targeted.Count(r => r.Holds)} of {targeted.Count} targeted comparisons at or above 0.90 of raw prepared Npgsql; lowest {lowestPath.Ratio:0.000} ({lowestPath.LibraryLabel}, {lowestPath.Op} {Payload.Label(lowestPath.PayloadBytes)})"));
        }
    }

    if (checkpointRows.Count > 0)
    {
        Console.WriteLine(CheckpointHeading);
        Console.WriteLine(checkpointTable);
    }

    // Issue 16: with its statements prepared, no row should be slower than the unprepared raw baseline.
    var lowest = rows.OrderBy(r => r.Ratio).FirstOrDefault();
    if (lowest is not null)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows.Count(r => r.Ratio >= 1.0)} of {rows.Count} rows at or above 1.00 of raw unprepared Npgsql; lowest {lowest.Ratio:0.000} ({lowest.Op} {Payload.Label(lowest.PayloadBytes)})"));
    }
    if (experimentRows.Count > 0)
    {
        await Report.WriteJsonAsync(Path.Combine(outDir, "experiments.json"), experimentRows);
        var experimentTable = Report.Table(experimentRows, withVerdict: false);
        await File.WriteAllTextAsync(Path.Combine(outDir, "experiments.md"), experimentTable);
        Console.WriteLine("Experiments (\"ours\" = the variant named first, \"raw\" = what it is compared with):");
        Console.WriteLine(experimentTable);
    }

    var all = rows.Concat(limitRows).Concat(pathRows).Concat(checkpointRows).ToList();
    var failing = all.Where(r => !r.Holds).ToList();
    Console.WriteLine($"{all.Count - failing.Count} of {all.Count} rows meet every target; wrote {summaryPath} in {total.Elapsed.TotalSeconds:0} s");
    return check && failing.Count > 0 ? 1 : 0;
}
finally
{
    await database.DropAsync();
}

// Issue 28: the paths section, sequential cells at every size first, then 8 callers (see the state section's order),
// then each contender's WAL per save, alone.
async Task<List<Row>> PathsAsync(BenchContext context, LibrarySql sql, string durability, string user)
{
    var ownService = ownProvider.GetRequiredService<ContinuationService>();
    var hostSource = hostProvider.GetRequiredService<NpgsqlDataSource>();
    async Task<Side> SideAsync(IStateClient client)
    {
        var conversation = await database.CreateConversationAsync(user);
        return new Side(client, conversation, conversation.ToString());
    }

    var section = new PathSection(context, settings,
    [
        new("raw prepared, Npgsql defaults", await SideAsync(new RawClient("raw prepared, Npgsql defaults", pathRawDefaultsSource, sql, RawVariant.Prepared)),
            $"{Describe(pathRawDefaultsSource.ConnectionString)}; every command prepared (PrepareAsync)"),
        new("library, host's data source", await SideAsync(new LibraryClient("library, host's data source", hostProvider.GetRequiredService<ContinuationService>(), clrPayload: false)),
            $"{Describe(hostSource.ConnectionString)}; registered in the container, used as built: statements prepared explicitly after the pooler check"),
        new("raw prepared, No Reset On Close", await SideAsync(new RawClient("raw prepared, No Reset On Close", pathRawNoResetSource, sql, RawVariant.Prepared)),
            $"{Describe(pathRawNoResetSource.ConnectionString)}; every command prepared"),
        new("library, own data source", await SideAsync(new LibraryClient("library, own data source", ownService, clrPayload: false)),
            $"{Describe(LibraryStatementsConnectionString(ownService))}; {await SessionSettingsAsync(await ownProvider.GetRequiredService<ContinuationState.Internal.LibraryDataSources>().OpenConnectionAsync(CancellationToken.None))}"),
        new("raw prepared, library's settings", await SideAsync(new RawClient("raw prepared, library's settings", pathRawLibrarySettingsSource, sql, RawVariant.Prepared)),
            $"{Describe(pathRawLibrarySettingsSource.ConnectionString)}; {await SessionSettingsAsync(await pathRawLibrarySettingsSource.OpenConnectionAsync())}; every command prepared"),
    ]);
    Console.WriteLine();
    Console.WriteLine($"Paths (issue 28), {durability}: five contenders in the same rounds (order reversed every other round):");
    foreach (var contender in section.Contenders)
    {
        Console.WriteLine($"  {contender.Label}: {contender.Settings}");
    }

    // Every contender's connections and code paths warmed before anything is timed (the state section's warm-up does not
    // reach these data sources).
    var warm = Payload.Create(1 << 10);
    foreach (var contender in section.Contenders)
    {
        contender.Side.Client.Use(warm);
        for (var i = 0; i < 200; i++)
        {
            var key = contender.Side.Key($"warm{i % 8}");
            await contender.Side.Client.SaveAsync(key);
            _ = await contender.Side.Client.LoadAsync(key);
            _ = await contender.Side.Client.ClaimAsync(key);
            _ = await contender.Side.Client.ReleaseAsync(key);
            _ = await contender.Side.Client.DeleteAsync(key);
        }

        await database.ClearAsync(contender.Side.Conversation);
    }

    var pathRows = new List<Row>();
    foreach (var size in pathSizes)
    {
        var payload = Payload.Create(size);
        Console.WriteLine($"paths, {Payload.Label(size)} ({payload.ActualBytes:N0} bytes of JSON), one caller:");
        foreach (var op in Operation.All.Where(op => onlyOps is null || onlyOps.Contains(op.Name)))
        {
            var cellRows = await section.SequentialAsync(size, payload, op);
            pathRows.AddRange(cellRows);
            PathProgress(cellRows);
        }

        await database.VacuumAsync();
    }

    foreach (var size in pathSizes.Where(PathSection.Targeted))
    {
        var payload = Payload.Create(size);
        Console.WriteLine($"paths, {Payload.Label(size)}, 8 callers:");
        foreach (var op in Operation.Concurrent.Where(op => onlyOps is null || onlyOps.Contains(op.Name)))
        {
            var cellRows = await section.ConcurrentAsync(size, payload, op, 8);
            pathRows.AddRange(cellRows);
            PathProgress(cellRows);
        }

        await database.VacuumAsync();
    }

    // Where a save's time goes, contender by contender (each alone: not a ratio, a diagnosis).
    Console.WriteLine($"paths: WAL per save, each contender alone ({durability}):");
    foreach (var size in pathSizes.Where(PathSection.Targeted))
    {
        var payload = Payload.Create(size);
        foreach (var op in new[] { Operation.SaveExisting, Operation.SaveNew }.Where(op => onlyOps is null || onlyOps.Contains(op.Name)))
        {
            Console.Write(await section.WalPerSaveAsync(dataSource, size, payload, op, quick ? 200 : 1000));
        }
    }

    return pathRows;
}

static void PathProgress(IReadOnlyList<Row> cellRows)
{
    var first = cellRows[0];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {first.Op,-20} {Payload.Label(first.PayloadBytes),6}  {string.Join("  ", cellRows.Take(2).Select(r => $"{r.LibraryLabel} {r.Cell.Library.OpsPerSec:0}/s vs {r.Cell.Raw.OpsPerSec:0}/s = {r.Ratio:0.00}"))}  (own / raw lib. settings {cellRows[2].Ratio:0.00}, host / own {cellRows[3].Ratio:0.00})"));
}

// The checkpoint section's contenders, described as the state section's are, and warmed up.
async Task<CheckpointSection> CheckpointSectionAsync()
{
    const string CheckpointUser = "bench-workflow-user";
    var store = checkpointProvider.GetRequiredService<WorkflowCheckpointStores>().ForUser(CheckpointUser);
    var own = checkpointProvider.GetRequiredService<ContinuationState.Internal.LibraryDataSources>();
    var rawClient = new RawCheckpointClient(checkpointRawSource, LibraryCheckpointSql.For(Schema), CheckpointUser, store.SessionTtl.TotalSeconds);
    var section = new CheckpointSection(checkpointSetupSource, Schema, CheckpointUser, new LibraryCheckpointClient(store), rawClient, new BenchContext(database, new RawClient("set-up", dataSource, LibrarySql.For(Schema))), settings);
    Console.WriteLine($"checkpoints: library's data source: {Describe(LibraryStatementsConnectionString(checkpointProvider.GetRequiredService<ContinuationService>()))}, {await SessionSettingsAsync(await own.OpenConnectionAsync(CancellationToken.None))}");
    Console.WriteLine($"checkpoints: raw's data source: {Describe(checkpointRawSource.ConnectionString)}, {await SessionSettingsAsync(await checkpointRawSource.OpenConnectionAsync())}; every command prepared");
    Console.WriteLine("checkpoints: library payload: the checkpoint as a JsonElement; raw payload: its UTF-8 bytes; a raw retrieve parses into a JsonElement, as the store's contract returns");
    var warming = System.Diagnostics.Stopwatch.StartNew();
    await section.WarmAsync();
    Console.WriteLine($"checkpoints: warmed up in {warming.Elapsed.TotalSeconds:0.0} s");
    return section;
}

static void Progress(Row row) => Console.WriteLine(
    string.Create(CultureInfo.InvariantCulture, $"  {row.Op,-28} {Payload.Label(row.PayloadBytes),6}  ours {row.Cell.Library.OpsPerSec,9:0.0}/s  raw {row.Cell.Raw.OpsPerSec,9:0.0}/s  ratio {row.Ratio:0.00}  p99 {row.Cell.Library.P99Ms:0.00} ms  alloc {row.Cell.Library.AllocBytesPerOp / 1024:0.0} KB (raw {row.Cell.Raw.AllocBytesPerOp / 1024:0.0} KB)  trips {row.Cell.Library.RoundTripsPerOp}/{row.Cell.Raw.RoundTripsPerOp}  n={row.Cell.Library.Samples}/{row.Cell.Raw.Samples}"));

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static int ParseSize(string text)
{
    text = text.Trim().ToUpperInvariant();
    return text.EndsWith("MB", StringComparison.Ordinal) ? int.Parse(text[..^2], CultureInfo.InvariantCulture) << 20
        : text.EndsWith("KB", StringComparison.Ordinal) ? int.Parse(text[..^2], CultureInfo.InvariantCulture) << 10
        : int.Parse(text, CultureInfo.InvariantCulture);
}

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "ContinuationState.sln")))
        {
            return directory.FullName;
        }
    }

    return Environment.CurrentDirectory;
}

static async Task<string> ServerVersionAsync(NpgsqlDataSource dataSource)
{
    await using var command = dataSource.CreateCommand("SHOW server_version");
    return $"PostgreSQL {await command.ExecuteScalarAsync()}";
}

static string Describe(string connectionString)
{
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    return string.Create(CultureInfo.InvariantCulture,
        $"{builder.Host}:{builder.Port}, Max Pool Size={builder.MaxPoolSize}, Max Auto Prepare={builder.MaxAutoPrepare}, Auto Prepare Min Usages={builder.AutoPrepareMinUsages}, No Reset On Close={builder.NoResetOnClose}{(string.IsNullOrWhiteSpace(builder.Options) ? "" : $", Options={builder.Options.Trim()}")}");
}

// What a commit waits for on this server.
static async Task<string> DurabilityAsync(NpgsqlDataSource dataSource)
{
    await using var command = dataSource.CreateCommand(
        "SELECT 'fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', full_page_writes=' || current_setting('full_page_writes')");
    return (string)(await command.ExecuteScalarAsync())!;
}

// The library on a data source the host registers, as AddNpgsqlDataSource leaves it: one NpgsqlDataSource at Npgsql's
// defaults in the container (disposed with it), and AddContinuationState with no connection string.
static ServiceProvider HostProvider(string connectionString, string schema) => new ServiceCollection()
    .AddSingleton(_ => NpgsqlDataSource.Create(connectionString))
    .AddContinuationState(o => o.Schema = schema)
    .BuildServiceProvider();

static ServiceProvider LibraryProvider(string connectionString, string schema, bool workflows = false)
{
    var services = new ServiceCollection().AddContinuationState(o =>
    {
        o.ConnectionString = connectionString;
        o.Schema = schema;
    });
    return (workflows ? services.AddContinuationStateWorkflows() : services).BuildServiceProvider();
}

// The session settings a connection of this data source runs with: what "same data source settings" must match.
static async Task<string> SessionSettingsAsync(NpgsqlConnection connection)
{
    await using (connection)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting('plan_cache_mode') || ', ' || current_setting('default_toast_compression')", connection);
        return $"plan_cache_mode, default_toast_compression = {await command.ExecuteScalarAsync()}";
    }
}

// The connection string of the data source the service runs its statements on (internal to the library).
static string LibraryStatementsConnectionString(ContinuationService service)
{
    var own = typeof(ContinuationService).GetField("_own", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)?.GetValue(service)
        ?? throw new InvalidOperationException("The service does not run on a data source of the library's own; update bench/ContinuationState.Benchmarks/Program.cs.");
    var statements = (Lazy<NpgsqlDataSource>?)own.GetType().GetField("_statements", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)?.GetValue(own)
        ?? throw new InvalidOperationException("LibraryDataSources has no _statements; update bench/ContinuationState.Benchmarks/Program.cs.");
    return statements.Value.ConnectionString;
}
