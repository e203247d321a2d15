using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// Whether the service's statements run prepared on a connection from a data source the host registered. The data
/// source is used exactly as the host built it (no session settings, no connection initializer, no change to its
/// reset or its automatic preparation): the service prepares its own commands explicitly, which Npgsql keeps apart
/// from the automatic-preparation cache (<c>Max Auto Prepare</c> slots are never taken). Under
/// <see cref="ConnectionPooler.Detect"/> every physical connection is checked once, before anything is prepared on
/// it, for a pooler in the way; the first one found stops preparation on this data source for good.
/// </summary>
internal sealed class RegisteredDataSourcePreparation
{
    /// <summary>
    /// The most backend process ids remembered as checked; past it they are forgotten, and connections are checked
    /// again (one round trip each). A pool's connections churn slowly; this bounds a long-lived process's memory.
    /// </summary>
    internal const int MaxRemembered = 4096;

    private readonly Mode _mode;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, byte> _direct = new();
    private int _poolerFound;

    public RegisteredDataSourcePreparation(NpgsqlDataSource dataSource, ContinuationStateOptions options, ILogger logger)
    {
        _logger = logger;
        _mode = ModeFor(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString), options);
    }

    private enum Mode
    {
        Never,
        Always,
        Check,
    }

    /// <summary>True once a connection found a pooler in the way (only ever under <see cref="ConnectionPooler.Detect"/>).</summary>
    public bool PoolerFound => Volatile.Read(ref _poolerFound) != 0;

    /// <summary>Whether connections may still be prepared on: the settings allow it and no pooler was found.</summary>
    public bool Prepares => _mode != Mode.Never && !PoolerFound;

    /// <summary>How many physical connections (by backend process id) were checked and found direct.</summary>
    internal int DirectConnectionsKnown => _direct.Count;

    /// <summary>
    /// Whether the service's statements run prepared on <paramref name="connection"/>, a connection just opened from
    /// the host's data source. Under <see cref="ConnectionPooler.Detect"/>, a physical connection not seen before is
    /// checked first, in one round trip that prepares nothing and sets nothing.
    /// </summary>
    public ValueTask<bool> PreparesOnAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_mode != Mode.Check)
        {
            return ValueTask.FromResult(_mode == Mode.Always);
        }

        if (PoolerFound)
        {
            return ValueTask.FromResult(false);
        }

        return _direct.ContainsKey(connection.ProcessID) ? ValueTask.FromResult(true) : CheckAsync(connection, cancellationToken);
    }

    private static Mode ModeFor(NpgsqlConnectionStringBuilder settings, ContinuationStateOptions options)
    {
        // Without pooling every open is a new server session, where a prepared statement would never run twice.
        // Multiplexing shares physical connections between commands and has no explicit preparation (Npgsql throws).
        if (!options.PrepareOnRegisteredDataSource || !settings.Pooling || settings.Multiplexing)
        {
            return Mode.Never;
        }

        return options.ConnectionPooler switch
        {
            ConnectionPooler.Transaction => Mode.Never,
            ConnectionPooler.None or ConnectionPooler.TransactionWithPreparedStatements => Mode.Always,
            _ => Mode.Check,
        };
    }

    // Through COPY, which Npgsql sends as a simple query: never prepared, even when the host's data source prepares
    // automatically, and nothing is set. PostgreSQL announces its backend's pid at start-up (BackendKeyData);
    // PgBouncer announces a random key of its own.
    private const string BackendPidSql = "COPY (SELECT pg_backend_pid()) TO STDOUT";

    private async ValueTask<bool> CheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var announced = connection.ProcessID;
        string? line;
        var reader = await connection.BeginTextExportAsync(BackendPidSql, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var backend) || backend != announced)
        {
            if (Interlocked.Exchange(ref _poolerFound, 1) == 0)
            {
                Log.ConnectionPoolerFound(_logger, announced, backend);
            }

            return false;
        }

        if (_direct.Count >= MaxRemembered)
        {
            _direct.Clear();
        }

        _direct.TryAdd(announced, 0);
        return true;
    }
}
