using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// The data sources the library builds from <see cref="ContinuationStateOptions.ConnectionString"/> when the host
/// registers none. <see cref="Shared"/> is the one registered as <see cref="NpgsqlDataSource"/>, with the connection
/// string as written, for the host's own code, maintenance, health and migrations. <see cref="ContinuationService"/>
/// runs its statements on a second one tuned for them: prepared (see <see cref="ConnectionPooler"/>) and without the
/// reset on close, which only matters to code that leaves session state behind (the library leaves none).
/// Settings the connection string names are never changed.
/// </summary>
internal sealed class LibraryDataSources : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// Room for every constant statement the library sends on this data source, with some to spare: the service's
    /// (about twenty-five), the maintenance purges', and the workflow checkpoint and agent session stores' (a dozen).
    /// </summary>
    internal const int MaxAutoPrepare = 64;

    /// <summary>
    /// A statement is prepared the first time it runs on a connection: the statements are all constant, and Npgsql's
    /// pool hands out its idle connections in turn, so with N of them a higher count leaves N or more calls of every
    /// statement unprepared after each turnover of the pool, each one parsed and planned again.
    /// </summary>
    internal const int AutoPrepareMinUsages = 1;

    private const string MaxAutoPrepareKey = "Max Auto Prepare";
    private const string MinUsagesKey = "Auto Prepare Min Usages";
    private const string NoResetKey = "No Reset On Close";

    private readonly string? _connectionString;
    private readonly ConnectionPooler _pooler;
    private readonly ILogger _logger;
    private readonly bool _lz4;
    private readonly Lazy<NpgsqlDataSource> _shared;
    private readonly Lazy<NpgsqlDataSource> _statements;
    private readonly Lazy<NpgsqlDataSource> _unprepared;
    private int _poolerFound;
    private bool _statementsPrepared;

    public LibraryDataSources(ContinuationStateOptions options, ILogger? logger = null)
    {
        _connectionString = options.ConnectionString;
        _pooler = options.ConnectionPooler;
        _logger = logger ?? NullLogger.Instance;
        _lz4 = options.CompressWithLz4;
        _shared = new(() => NpgsqlDataSource.Create(ConnectionString));
        _statements = new(BuildStatements);
        _unprepared = new(() => Build(prepare: false, check: false).Source);
    }

    /// <summary>The data source registered for everyone: the connection string as written.</summary>
    public NpgsqlDataSource Shared => _shared.Value;

    /// <summary>True once a connection found a pooler in the way (only ever under <see cref="ConnectionPooler.Detect"/>).</summary>
    public bool PoolerFound => Volatile.Read(ref _poolerFound) != 0;

    /// <summary>Whether <paramref name="dataSource"/> is <see cref="Shared"/>, i.e. the host registered none of its own.</summary>
    public bool Owns(NpgsqlDataSource dataSource) => _shared.IsValueCreated && ReferenceEquals(_shared.Value, dataSource);

    /// <summary>Whether the service's statements are prepared now: the connection string's setting if it names one, else this option's.</summary>
    public bool Prepares
    {
        get
        {
            _ = _statements.Value;
            return _statementsPrepared && !PoolerFound;
        }
    }

    /// <summary>A connection for the service's statements.</summary>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (!PoolerFound)
        {
            try
            {
                return await _statements.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PoolerFoundException e)
            {
                if (Interlocked.Exchange(ref _poolerFound, 1) == 0)
                {
                    Log.ConnectionPoolerFound(_logger, e.ConnectionProcessId, e.BackendProcessId);
                }
            }
        }

        return await _unprepared.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Shared is the container's to dispose: it was handed out as the registered NpgsqlDataSource.
        if (_statements.IsValueCreated)
        {
            await _statements.Value.DisposeAsync().ConfigureAwait(false);
        }

        if (_unprepared.IsValueCreated)
        {
            await _unprepared.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_statements.IsValueCreated)
        {
            _statements.Value.Dispose();
        }

        if (_unprepared.IsValueCreated)
        {
            _unprepared.Value.Dispose();
        }
    }

    private string ConnectionString => string.IsNullOrWhiteSpace(_connectionString)
        ? throw new InvalidOperationException(
            "ContinuationState needs a database: register an NpgsqlDataSource, or set ContinuationStateOptions.ConnectionString in AddContinuationState.")
        : _connectionString;

    private NpgsqlDataSource BuildStatements()
    {
        var (source, prepares) = _pooler switch
        {
            ConnectionPooler.Transaction => Build(prepare: false, check: false),
            ConnectionPooler.None => Build(prepare: true, check: false, direct: true),
            ConnectionPooler.TransactionWithPreparedStatements => Build(prepare: true, check: false),
            _ => Build(prepare: true, check: true),
        };
        _statementsPrepared = prepares;
        return source;
    }

    private (NpgsqlDataSource Source, bool Prepares) Build(bool prepare, bool check, bool direct = false)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        var settings = builder.ConnectionStringBuilder;
        var named = settings.Keys.Cast<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!named.Contains(NoResetKey))
        {
            settings.NoResetOnClose = true;
        }

        // A connection string that names Max Auto Prepare has decided for itself, pooler or not: no check either.
        if (named.Contains(MaxAutoPrepareKey))
        {
            return (builder.Build(), settings.MaxAutoPrepare > 0);
        }

        // Without pooling every open is a new server session: a statement would never run twice on one, and the
        // check would cost a round trip per operation.
        if (!settings.Pooling)
        {
            return (builder.Build(), false);
        }

        if (prepare)
        {
            settings.MaxAutoPrepare = MaxAutoPrepare;
            if (!named.Contains(MinUsagesKey))
            {
                settings.AutoPrepareMinUsages = AutoPrepareMinUsages;
            }

            if (check)
            {
                // Before the connection runs anything else: a statement prepared through a transaction pooler may be
                // bound later on another server connection where the same name means another statement, which runs
                // with this one's parameters and gives no error. The check must come first, not after a failure.
                builder.UsePhysicalConnectionInitializer(CheckDirect, CheckDirectAsync);
            }
            else if (direct)
            {
                builder.UsePhysicalConnectionInitializer(ApplySessionSettings, ApplySessionSettingsAsync);
            }
        }

        return (builder.Build(), prepare);
    }

    // The session settings a direct connection gets, each only where nobody has set it (configuration file, database,
    // role, the connection string's Options all leave a source other than 'default') and the server offers the value.
    // plan_cache_mode: PostgreSQL otherwise plans the first five executions of each prepared statement on each
    // connection with the parameters' values (a 1 MB jsonb value as a constant among them) before it settles on the
    // generic plan these key lookups get anyway. default_toast_compression: lz4 compresses a 1 MB document in about
    // a third of pglz's time, most of a large save's cost (CompressWithLz4).
    private const string SettingsHead =
        "SELECT string_agg(set_config(wanted.name, wanted.value, false), ',') FROM (VALUES ('plan_cache_mode', 'force_generic_plan')";

    private const string SettingsTail =
        ") AS wanted(name, value) JOIN pg_settings AS current USING (name) WHERE current.source = 'default' AND wanted.value = ANY(current.enumvals)";

    private const string GenericPlansSql = SettingsHead + SettingsTail;

    private const string GenericPlansAndLz4Sql = SettingsHead + ", ('default_toast_compression', 'lz4')" + SettingsTail;

    private string SessionSettingsSql => _lz4 ? GenericPlansAndLz4Sql : GenericPlansSql;

    // Through COPY, which Npgsql sends as a simple query: never prepared, whatever the data source's settings. Run as
    // an ordinary command it would be prepared on its first use (AutoPrepareMinUsages), before anyone knows whether a
    // pooler is in the way, and leave a named statement on some server connection behind PgBouncer. In the same round
    // trip, and only when the backend is the one this connection started (no pooler, so the settings stay with this
    // connection alone), the session settings are applied.
    private string CheckSql(NpgsqlConnection connection) => string.Create(CultureInfo.InvariantCulture,
        $"COPY (SELECT pg_backend_pid(), CASE WHEN pg_backend_pid() = {connection.ProcessID} THEN ({SessionSettingsSql}) END) TO STDOUT");

    private void CheckDirect(NpgsqlConnection connection)
    {
        using var reader = connection.BeginTextExport(CheckSql(connection));
        Compare(connection, reader.ReadLine());
    }

    private async Task CheckDirectAsync(NpgsqlConnection connection)
    {
        var reader = await connection.BeginTextExportAsync(CheckSql(connection)).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            Compare(connection, await reader.ReadLineAsync().ConfigureAwait(false));
        }
    }

    // Two constant texts, so nothing built at run time reaches the command.
    private NpgsqlCommand NewSessionSettingsCommand(NpgsqlConnection connection) => _lz4
        ? new NpgsqlCommand(GenericPlansAndLz4Sql, connection)
        : new NpgsqlCommand(GenericPlansSql, connection);

    // ConnectionPooler.None: the host says nothing stands between it and PostgreSQL, so no check, only the settings.
    private void ApplySessionSettings(NpgsqlConnection connection)
    {
        using var command = NewSessionSettingsCommand(connection);
        command.ExecuteNonQuery();
    }

    private async Task ApplySessionSettingsAsync(NpgsqlConnection connection)
    {
        var command = NewSessionSettingsCommand(connection);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    // PostgreSQL announces its backend's pid at start-up (BackendKeyData); PgBouncer announces a random key of its own.
    private static void Compare(NpgsqlConnection connection, string? line)
    {
        // "pid\tsettings" (the settings \N, NULL, when the backend is not this connection's).
        var backendPid = line?.Split('\t')[0];
        if (int.TryParse(backendPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != connection.ProcessID)
        {
            throw new PoolerFoundException(connection.ProcessID, pid);
        }
    }

    /// <summary>Thrown by the connection check and caught in <see cref="OpenConnectionAsync"/>; never reaches the host.</summary>
    private sealed class PoolerFoundException(int connectionProcessId, int backendProcessId)
        : Exception("The connection does not reach PostgreSQL directly.")
    {
        public int ConnectionProcessId { get; } = connectionProcessId;

        public int BackendProcessId { get; } = backendProcessId;
    }
}
