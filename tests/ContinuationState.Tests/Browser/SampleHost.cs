using AgentHost.Demo;

namespace ContinuationState.Tests.Browser;

/// <summary>
/// The sample host as a real process on 127.0.0.1 (a browser cannot reach an in-memory test server), over a test
/// class's database. <see cref="RestartAsync"/> kills it (SIGKILL) and starts a new process on the same port, so
/// the page reloads from the same address.
/// </summary>
internal sealed class SampleHost : IDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly string _logPath;
    private readonly int _port;
    private HostProcess? _process;

    private SampleHost(Dictionary<string, string> settings, string logPath, int port)
    {
        _settings = settings;
        _logPath = logPath;
        _port = port;
    }

    public Uri Address => _process?.Address ?? throw new InvalidOperationException("The host is not running.");

    /// <param name="name">Names the log: <c>artifacts/browser/{name}-host.log</c>.</param>
    public static async Task<SampleHost> StartAsync(string connectionString, string name, TimeSpan? toolLatency = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:agents"] = connectionString,
            ["AgentHost:TokenDelay"] = "00:00:00.005",
            ["AgentHost:ToolLatency"] = (toolLatency ?? TimeSpan.Zero).ToString("c"),
            // No purge during a test: the expiry test reads an expired row the purge would delete.
            ["ContinuationState:Maintenance:Interval"] = "01:00:00",
            // Every request in the log, timed: what the browser did, in order, when a test fails.
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        };
        var logPath = Path.Combine(Artifacts.Browser, $"{name}-host.log");
        File.Delete(logPath);
        var host = new SampleHost(settings, logPath, HostProcess.FreePort());
        host._process = await HostProcess.StartAsync(Artifacts.HostAssembly, host._port, settings, logPath);
        return host;
    }

    /// <summary>A crash and a new process: only what the old one saved in PostgreSQL is left.</summary>
    public async Task RestartAsync()
    {
        _process?.Dispose();
        _process = null;
        _process = await HostProcess.StartAsync(Artifacts.HostAssembly, _port, _settings, _logPath);
    }

    public void Dispose() => _process?.Dispose();
}
