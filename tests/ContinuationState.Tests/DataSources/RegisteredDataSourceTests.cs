using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ContinuationState.Tests.DataSources;

/// <summary>
/// On a data source the host registers, the service prepares its own statements explicitly, after checking each
/// physical connection once, and leaves everything the host's own code sees on those connections as it was. These
/// connect straight to the server in both passes (behind PgBouncer: <see cref="PoolerTests"/>).
/// </summary>
public sealed class RegisteredDataSourceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string HostSql = "SELECT $1::int + 1";

    [Fact]
    public async Task ARegisteredDataSource_RunsTheServicesStatementsPrepared_WithoutChangingTheDataSource()
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString);
        await using var provider = Provider(hostSource);
        var service = provider.GetRequiredService<ContinuationService>();

        await TestData.RunPauseCyclesAsync(db.DataSource, service);

        // Calls in a row reuse the pool's one idle connection: the host's next open gets it, with the statements on it.
        await using var connection = await hostSource.OpenConnectionAsync();
        var prepared = await PreparedStatementsAsync(connection);
        // Save, load, claim, release and delete: each its own statement, prepared explicitly (load and claim on their
        // own NpgsqlCommand, the others under Dapper).
        var explicitOnState = prepared.Where(p => p.Name.StartsWith("_p", StringComparison.Ordinal) && p.Statement.Contains("pending_tool_state", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, explicitOnState.Select(p => p.Statement).Distinct().Count());
        Assert.DoesNotContain(prepared, p => p.Name.StartsWith("_auto", StringComparison.Ordinal));
        Assert.True(service.Preparation!.Prepares);
        Assert.Equal(1, service.Preparation.DirectConnectionsKnown);

        // The data source is the host's, as it built it: no reset change, no automatic preparation, no session settings.
        var settings = new NpgsqlConnectionStringBuilder(hostSource.ConnectionString);
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal("auto", await LibraryDataSourceTests.PlanCacheModeAsync(connection));
        Assert.Equal("pglz", await LibraryDataSourceTests.ToastCompressionAsync(connection));
    }

    [Fact]
    public async Task EachPhysicalConnection_IsCheckedOnce_WithACommandThatIsNeverPrepared()
    {
        // The host prepares everything it runs twice: the check must still not be prepared.
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString + ";Max Auto Prepare=10;Auto Prepare Min Usages=1");
        await using var provider = Provider(hostSource);
        using var commands = new CommandCounter(db.DatabaseName, includePoolerCheck: true);

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.Single(commands.Commands, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
        await using var connection = await hostSource.OpenConnectionAsync();
        Assert.DoesNotContain(await PreparedStatementsAsync(connection), p => p.Statement.Contains("pg_backend_pid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(";Pooling=false", ConnectionPooler.Detect, true)]
    [InlineData("", ConnectionPooler.Transaction, true)]
    [InlineData("", ConnectionPooler.Detect, false)]
    public async Task WhereItIsNotWanted_NothingIsPreparedOrChecked(string settings, ConnectionPooler pooler, bool prepareOnRegistered)
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString + settings);
        await using var provider = Provider(hostSource, o =>
        {
            o.ConnectionPooler = pooler;
            o.PrepareOnRegisteredDataSource = prepareOnRegistered;
        });
        var service = provider.GetRequiredService<ContinuationService>();
        using var commands = new CommandCounter(db.DatabaseName, includePoolerCheck: true);

        await TestData.RunPauseCyclesAsync(db.DataSource, service);

        Assert.False(service.Preparation!.Prepares);
        Assert.DoesNotContain(commands.Commands, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
        await using var connection = await hostSource.OpenConnectionAsync();
        Assert.DoesNotContain(await PreparedStatementsAsync(connection), p => p.Statement.Contains("pending_tool_state", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ConnectionPooler.None)]
    [InlineData(ConnectionPooler.TransactionWithPreparedStatements)]
    public async Task APoolerTheHostNamed_IsTakenAtItsWord_PreparedWithoutTheCheck(ConnectionPooler pooler)
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString);
        await using var provider = Provider(hostSource, o => o.ConnectionPooler = pooler);
        using var commands = new CommandCounter(db.DatabaseName, includePoolerCheck: true);

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.DoesNotContain(commands.Commands, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
        await using var connection = await hostSource.OpenConnectionAsync();
        Assert.Contains(await PreparedStatementsAsync(connection), p => p.Statement.Contains("pending_tool_state", StringComparison.Ordinal));
    }

    /// <summary>
    /// One physical connection (Maximum Pool Size=1) that the host and the library take turns on. What the host sees in its
    /// next session (its SET, its temporary table, its explicitly and automatically prepared statements, the session's
    /// settings) is the same whether or not the library ran its calls on that connection in between.
    /// </summary>
    [Fact]
    public async Task TheHostsNextSessionOnTheSameConnection_IsTheSameWithOrWithoutTheLibrarysCalls()
    {
        var without = await HostSessionsAsync(libraryBetween: false);
        var with = await HostSessionsAsync(libraryBetween: true);

        Assert.Equal(without, with);
        // And what that is: Npgsql's reset cleared the SET and the temporary table; both statements stayed prepared.
        Assert.Equal(new HostObservation(null, false, true, true, "auto", "pglz"), with);
    }

    /// <summary>While the host holds a connection with its own session state, the library's calls leave it alone.</summary>
    [Fact]
    public async Task AHostsOpenSession_KeepsItsSetTemporaryTableAndPreparedStatements_WhileTheLibraryRuns()
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString + ";Maximum Pool Size=2;Max Auto Prepare=1;Auto Prepare Min Usages=1");
        await using var provider = Provider(hostSource);
        await using var host = await hostSource.OpenConnectionAsync();
        await SetUpHostStateAsync(host);

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.Equal(new HostObservation("tenant-7", true, true, true, "auto", "pglz"), await ObserveAsync(host));
    }

    /// <summary>
    /// The one thing that differs, as docs/connection-poolers.md says: Npgsql resets a connection holding prepared
    /// statements without DEALLOCATE ALL, so a statement the host's own SQL PREPAREs outlives the session, unless the
    /// option is off.
    /// </summary>
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task AStatementTheHostPreparesInSql_OutlivesTheSession_OnlyWhenTheLibraryPreparesOnThatConnection(bool prepareOnRegistered, bool survives)
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString + ";Maximum Pool Size=1");
        await using var provider = Provider(hostSource, o => o.PrepareOnRegisteredDataSource = prepareOnRegistered);
        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        await using (var first = await hostSource.OpenConnectionAsync())
        {
            await ExecuteAsync(first, "PREPARE host_sql_statement AS SELECT 1");
        }

        await using var second = await hostSource.OpenConnectionAsync();
        Assert.Equal(survives, (await PreparedStatementsAsync(second)).Any(p => p.Name == "host_sql_statement"));
    }

    private async Task<HostObservation> HostSessionsAsync(bool libraryBetween)
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString + ";Maximum Pool Size=1;Max Auto Prepare=1;Auto Prepare Min Usages=1");
        await using var provider = Provider(hostSource);
        await using (var first = await hostSource.OpenConnectionAsync())
        {
            await SetUpHostStateAsync(first);
        }

        if (libraryBetween)
        {
            await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());
            Assert.Equal(1, provider.GetRequiredService<ContinuationService>().Preparation!.DirectConnectionsKnown);
        }

        await using var second = await hostSource.OpenConnectionAsync();
        return await ObserveAsync(second);
    }

    /// <summary>A SET, a temporary table, one statement prepared explicitly and one prepared automatically (the data source's one slot).</summary>
    private static async Task SetUpHostStateAsync(NpgsqlConnection connection)
    {
        await ExecuteAsync(connection, "SET myapp.tenant = 'tenant-7'");
        await ExecuteAsync(connection, "CREATE TEMPORARY TABLE host_scratch (id int)");
        await using (var explicitCommand = new NpgsqlCommand(HostSql, connection))
        {
            explicitCommand.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
            await explicitCommand.PrepareAsync();
            Assert.Equal(2, await explicitCommand.ExecuteScalarAsync());
        }

        // Max Auto Prepare=1, Auto Prepare Min Usages=1: this takes the one automatic slot.
        await ExecuteAsync(connection, "SELECT 42");
    }

    // Observed through COPY, which Npgsql never prepares: an ordinary query would take the host's one automatic slot itself.
    private static async Task<HostObservation> ObserveAsync(NpgsqlConnection connection)
    {
        var row = (await CopyOutAsync(connection, """
            SELECT nullif(current_setting('myapp.tenant', true), ''),
                   to_regclass('pg_temp.host_scratch') IS NOT NULL,
                   EXISTS (SELECT FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'),
                   EXISTS (SELECT FROM pg_prepared_statements WHERE name = '_auto0' AND statement = 'SELECT 42'),
                   current_setting('plan_cache_mode'),
                   current_setting('default_toast_compression')
            """)).Single().Split('\t');
        return new HostObservation(row[0] == "\\N" ? null : row[0], row[1] == "t", row[2] == "t", row[3] == "t", row[4], row[5]);
    }

    private static async Task<List<string>> CopyOutAsync(NpgsqlConnection connection, string query)
    {
        var lines = new List<string>();
        using var reader = await connection.BeginTextExportAsync($"COPY ({query}) TO STDOUT");
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static ServiceProvider Provider(NpgsqlDataSource hostSource, Action<ContinuationStateOptions>? configure = null)
        => new ServiceCollection().AddSingleton(hostSource).AddContinuationState(configure).BuildServiceProvider();

    /// <summary>Every prepared statement of the session: protocol-level (Npgsql's _pN and _autoN) and SQL-level.</summary>
    private static async Task<List<(string Name, string Statement)>> PreparedStatementsAsync(NpgsqlConnection connection)
        => [.. (await CopyOutAsync(connection, "SELECT name, statement FROM pg_prepared_statements")).Select(line => line.Split('\t') switch
        {
            [var name, var statement] => (name, statement),
            _ => throw new InvalidOperationException(line),
        })];

    private sealed record HostObservation(string? Tenant, bool ScratchTable, bool ExplicitStatementPrepared, bool AutoStatementPrepared, string? PlanCacheMode, string? ToastCompression);
}
