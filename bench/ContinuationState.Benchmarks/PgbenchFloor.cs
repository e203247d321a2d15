using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace ContinuationState.Benchmarks;

/// <summary>
/// The server-side floor: <c>pgbench -M prepared</c>, one client, running the library's own load or save statement
/// (read from the library, parameters as pgbench variables) against the same server in the same run. Nothing a .NET
/// client does can beat it, so the library's ratio to it says how much of the server's limit it reaches. Short rounds
/// (a fixed number of calls, about a quarter of a second) rotate between pgbench and each contender calling back to
/// back, so a burst of other work on a shared machine falls on one round, not on one side.
/// </summary>
internal sealed partial class PgbenchFloor
{
    private readonly string _pgbench;
    private readonly NpgsqlConnectionStringBuilder _server;
    private readonly string _directory;

    private PgbenchFloor(string pgbench, string connectionString, string directory)
    {
        _pgbench = pgbench;
        _server = new NpgsqlConnectionStringBuilder(connectionString);
        _directory = directory;
    }

    /// <summary>Finds pgbench (CONTINUATIONSTATE_TEST_PGBIN, PostgreSQL's bin directories, then PATH); null without it.</summary>
    public static PgbenchFloor? Find(string connectionString, string outDir)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_PGBIN") is { Length: > 0 } bin)
        {
            candidates.Add(Path.Combine(bin, "pgbench"));
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "pgbench")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "pgbench")));
        var found = candidates.FirstOrDefault(File.Exists);
        if (found is null)
        {
            return null;
        }

        var directory = Path.Combine(outDir, "pgbench");
        Directory.CreateDirectory(directory);
        return new PgbenchFloor(found, connectionString, directory);
    }

    public string Version => Run(["--version"]).Trim();

    /// <summary>
    /// Measures <paramref name="op"/> (load_hit or save_existing) for pgbench and each contender, in rounds of about
    /// <paramref name="roundSeconds"/> that rotate which goes first. Returns one row per contender, against pgbench.
    /// </summary>
    public async Task<IReadOnlyList<Row>> MeasureAsync(
        Operation op, LibrarySql sql, Payload payload, BenchContext context, IReadOnlyList<(string Label, Side Side, double? Target)> contenders, int rounds, double roundSeconds)
    {
        // pgbench's own row: a conversation of its own, saved once by the set-up client (for a load: the row it reads).
        var conversation = await context.Database.CreateConversationAsync("pgbench");
        var key = new StateKey(conversation.ToString(), conversation, "pgbench");
        await context.Putter.SaveAsync(key);
        foreach (var contender in contenders)
        {
            await op.Prepare(context, contender.Side, op.KeyOf(contender.Side));
        }

        var script = Script(op == Operation.LoadHit ? sql.Load : sql.Save);
        var variables = Variables(key, payload);
        // Calls per round: from a first, untimed pgbench run (which also warms the server's plan for its backend).
        var calls = (int)Math.Clamp(Tps(script, variables, 200) * roundSeconds, 100, 50_000);
        var steps = new List<(string Name, Func<Task<double>> Measure)> { ("pgbench", () => Task.FromResult(Tps(script, variables, calls))) };
        steps.AddRange(contenders.Select(c => (c.Label, (Func<Task<double>>)(() => LoopAsync(op, c.Side, calls)))));
        var rates = steps.ToDictionary(s => s.Name, _ => new List<double>(), StringComparer.Ordinal);
        var ratios = contenders.ToDictionary(c => c.Label, _ => new List<double>(), StringComparer.Ordinal);
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var measured = new Dictionary<string, double>(StringComparer.Ordinal);
                for (var i = 0; i < steps.Count; i++)
                {
                    var (name, measure) = steps[(i + round) % steps.Count];
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                    measured[name] = await measure();
                    rates[name].Add(measured[name]);
                }

                foreach (var contender in contenders)
                {
                    ratios[contender.Label].Add(measured[contender.Label] / measured["pgbench"]);
                }
            }
        }
        finally
        {
            await context.Database.ClearAsync(conversation);
            foreach (var contender in contenders)
            {
                await context.Database.ClearAsync(contender.Side.Conversation);
            }
        }

        var floor = Side(rates["pgbench"]);
        return [.. contenders.Select(c => new Row(op.Name, "uuid", "json_element", 1, payload.NominalBytes, payload.ActualBytes, 1,
            new CellResult(Side(rates[c.Label]), floor, Measurement.Median([.. ratios[c.Label]]), ratios[c.Label]), c.Label, "pgbench -M prepared", "pgbench", c.Target))];
    }

    private static SideResult Side(List<double> rates)
        => new(rates.Count, Measurement.Median([.. rates]), double.NaN, double.NaN, double.NaN, double.NaN, 0, null);

    /// <summary><paramref name="calls"/> calls back to back on one key; calls per second.</summary>
    private static async Task<double> LoopAsync(Operation op, Side side, int calls)
    {
        var key = op.KeyOf(side);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            await op.Run(side.Client, key);
        }

        return calls / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    // The library's statement with its @names as pgbench variables (sent as parameters under -M prepared), each cast
    // to the type Npgsql sends it as: pgbench's parameters are untyped, and a bare one in a select list is text. A
    // jsonb parameter with no value (client_tools) is NULL: pgbench has no null variable.
    private static readonly Dictionary<string, string> ParameterTypes = new(StringComparer.Ordinal)
    {
        ["conversation_id"] = "uuid",
        ["user_id"] = "text",
        ["legacy_mongo_id"] = "text",
        ["ttl_seconds"] = "float8",
        ["grace_seconds"] = "float8",
        ["messages"] = "jsonb",
        ["pending_tool_calls"] = "jsonb",
        ["tools_dict"] = "jsonb",
        ["tool_schemas"] = "jsonb",
        ["agent_config"] = "jsonb",
    };

    private string Script(LibrarySql.Statement statement)
    {
        var text = statement.Sql.Replace("@client_tools", "NULL::jsonb", StringComparison.Ordinal);
        text = ParameterName().Replace(text, m => ParameterTypes.TryGetValue(m.Groups[1].Value, out var type)
            ? $"(:{m.Groups[1].Value}::{type})"
            : ":" + m.Groups[1].Value) + ";\n";
        var path = Path.Combine(_directory, statement.Operation.Replace(' ', '_') + ".sql");
        File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, string> Variables(StateKey key, Payload payload) => new(StringComparer.Ordinal)
    {
        ["conversation_id"] = key.Uuid.ToString(),
        ["user_id"] = key.UserId,
        ["ttl_seconds"] = "1800",
        ["messages"] = Encoding.UTF8.GetString(payload.Bytes.Messages),
        ["pending_tool_calls"] = Encoding.UTF8.GetString(payload.Bytes.PendingToolCalls),
        ["tools_dict"] = Encoding.UTF8.GetString(payload.Bytes.ToolsDict),
        ["tool_schemas"] = Encoding.UTF8.GetString(payload.Bytes.ToolSchemas),
        ["agent_config"] = Encoding.UTF8.GetString(payload.Bytes.AgentConfig),
    };

    private double Tps(string script, Dictionary<string, string> variables, int transactions)
    {
        var arguments = new List<string> { "-n", "-M", "prepared", "-c", "1", "-j", "1", "-t", transactions.ToString(CultureInfo.InvariantCulture), "-f", script };
        foreach (var (name, value) in variables)
        {
            arguments.Add("-D");
            arguments.Add($"{name}={value}");
        }

        arguments.AddRange(["-h", _server.Host ?? "localhost", "-p", _server.Port.ToString(CultureInfo.InvariantCulture), "-U", _server.Username ?? "postgres", _server.Database ?? "postgres"]);
        var output = Run(arguments);
        var match = TpsLine().Match(output);
        var failed = FailedLine().Match(output);
        if (!match.Success || (failed.Success && failed.Groups[1].Value != "0"))
        {
            throw new InvalidOperationException($"pgbench did not report a clean run:\n{output}");
        }

        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private string Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(_pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (!string.IsNullOrEmpty(_server.Password))
        {
            start.Environment["PGPASSWORD"] = _server.Password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_pgbench}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var all = stdout + stderr.GetAwaiter().GetResult();
        return process.ExitCode == 0 ? all : throw new InvalidOperationException($"pgbench exited with {process.ExitCode}:\n{all}");
    }

    [GeneratedRegex(@"(?<![@:\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedLine();
}
