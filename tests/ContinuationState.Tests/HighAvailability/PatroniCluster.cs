using System.Diagnostics;
using System.Text.Json;

namespace ContinuationState.Tests.HighAvailability;

/// <summary>
/// The two-node Patroni cluster scripts/patroni.sh starts (CONTINUATIONSTATE_TEST_HA_*): where its nodes are, which
/// one is the primary (Patroni's REST API answers 200 on /primary only there), and the two ways to lose it.
/// </summary>
internal sealed class PatroniCluster
{
    public const string ConnectionVariable = "CONTINUATIONSTATE_TEST_HA_CONNECTION";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private PatroniCluster(string connectionString, IReadOnlyList<Node> nodes, string patronictlConfig, bool synchronous)
    {
        ConnectionString = connectionString;
        Nodes = nodes;
        PatronictlConfig = patronictlConfig;
        Synchronous = synchronous;
    }

    /// <summary>Multi-host, Target Session Attributes=primary, database postgres.</summary>
    public string ConnectionString { get; }

    public IReadOnlyList<Node> Nodes { get; }

    public string PatronictlConfig { get; }

    /// <summary>Patroni's synchronous_mode as the cluster was started.</summary>
    public bool Synchronous { get; }

    /// <summary>The cluster from the environment, or null when scripts/patroni.sh did not start one.</summary>
    public static PatroniCluster? FromEnvironment()
    {
        var connection = Environment.GetEnvironmentVariable(ConnectionVariable);
        var nodes = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_HA_NODES");
        var patronictl = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_HA_PATRONICTL");
        if (string.IsNullOrWhiteSpace(connection) || string.IsNullOrWhiteSpace(nodes) || string.IsNullOrWhiteSpace(patronictl))
        {
            return null;
        }

        var parsed = nodes.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('|'))
            .Select(parts => new Node(parts[0], parts[1], new Uri(parts[2]), parts[3]))
            .ToList();
        var synchronous = !string.Equals(Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_HA_SYNCHRONOUS"), "false", StringComparison.OrdinalIgnoreCase);
        return new PatroniCluster(connection, parsed, patronictl, synchronous);
    }

    /// <summary>The node whose REST API says it is the primary, or null (none, or between leaders).</summary>
    public async Task<Node?> FindPrimaryAsync()
    {
        foreach (var node in Nodes)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(node.RestApi, "/primary"));
                if (response.IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // That node's Patroni is down or busy: not the primary as far as we can tell.
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until one node is the primary and the other replicates from it: as the synchronous standby when the
    /// cluster runs synchronous_mode (Patroni only promotes that one), streaming otherwise.
    /// </summary>
    public async Task<Node> WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var primary = await FindPrimaryAsync();
            if (primary is not null)
            {
                try
                {
                    using var response = await Http.GetAsync(new Uri(primary.RestApi, "/cluster"));
                    last = await response.Content.ReadAsStringAsync();
                    using var cluster = JsonDocument.Parse(last);
                    var standbyRole = Synchronous ? "sync_standby" : "replica";
                    var ready = cluster.RootElement.GetProperty("members").EnumerateArray().Any(m =>
                        m.GetProperty("name").GetString() != primary.Name &&
                        m.GetProperty("role").GetString() == standbyRole &&
                        m.GetProperty("state").GetString() is "running" or "streaming" &&
                        m.TryGetProperty("lag", out var lag) && lag.ValueKind == JsonValueKind.Number && lag.GetInt64() == 0);
                    if (ready)
                    {
                        return primary;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    last = e.Message;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The Patroni cluster was not healthy within {timeout}: {last}");
    }

    /// <summary>Waits until a node other than <paramref name="old"/> is the primary; returns it.</summary>
    public async Task<Node> WaitForNewPrimaryAsync(Node old, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await FindPrimaryAsync() is { } primary && primary.Name != old.Name)
            {
                return primary;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No node took over from {old.Name} within {timeout}.");
    }

    /// <summary>SIGKILL to the node's postmaster (its pid is the first line of postmaster.pid).</summary>
    public static void KillPostmaster(Node node)
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(node.DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        using var postmaster = Process.GetProcessById(pid);
        postmaster.Kill(); // SIGKILL on Unix: no shutdown, no goodbye to the clients or the standby.
    }

    /// <summary>A planned switchover to <paramref name="candidate"/>, as an operator runs it.</summary>
    public async Task SwitchoverAsync(Node primary, Node candidate)
    {
        var start = new ProcessStartInfo("patronictl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", PatronictlConfig, "switchover", "--leader", primary.Name, "--candidate", candidate.Name, "--force" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"patronictl switchover failed: {output}");
    }

    public sealed record Node(string Name, string HostAndPort, Uri RestApi, string DataDirectory);
}
