using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentHost.Demo;

/// <summary>
/// The sample host as a child process on 127.0.0.1, its console output appended to a log file. Killing it is a
/// crash, not a shutdown: nothing in its memory survives, only what it saved in PostgreSQL.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StreamWriter _log;
    private bool _closed;

    private HostProcess(Process process, StreamWriter log, Uri address)
    {
        _process = process;
        _log = log;
        Address = address;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<HostProcess> StartAsync(string hostPath, int port, IReadOnlyDictionary<string, string> settings, string logPath)
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        hostPath = Path.GetFullPath(hostPath);
        var start = hostPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { ArgumentList = { hostPath } }
            : new ProcessStartInfo(hostPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.GetLeftPart(UriPartial.Authority));
        start.WorkingDirectory = Path.GetDirectoryName(hostPath)!;  // its content root: appsettings.json is there
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {hostPath}.");
        var host = new HostProcess(process, log, address);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await host.WaitHealthyAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    /// <summary>Kills the process (SIGKILL): in-flight requests and memory are gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }

        _process.Dispose();
        lock (_log)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (!_closed)
            {
                _log.WriteLine($"[pid {_process.Id}] {line}");
            }
        }
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {_process.ExitCode} while starting; see its log.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            // Polling a child process's start-up: the demo's only waits are here and the short-TTL expiry.
            await Task.Delay(100);
        }

        throw new TimeoutException($"The host did not report healthy within {StartTimeout.TotalSeconds} s; see its log.");
    }
}
