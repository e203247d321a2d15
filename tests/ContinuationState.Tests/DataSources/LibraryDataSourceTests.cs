using ContinuationState.Internal;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContinuationState.Tests.DataSources;

/// <summary>
/// The data source AddContinuationState builds from a connection string prepares the service's statements and skips
/// the reset on close, unless the connection string says otherwise; a data source the host registers is used as is.
/// These connect straight to the server in both passes (the pooler's own tests are in <see cref="PoolerTests"/>).
/// </summary>
public sealed class LibraryDataSourceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task OwnDataSource_PreparesTheServicesStatements_AndSkipsTheReset()
    {
        await using var provider = Provider(o => o.ConnectionString = db.DirectConnectionString);
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.True(own.Prepares);
        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        var prepared = await PreparedStatementsAsync(connection);
        Assert.Contains(prepared, sql => sql.Contains("pending_tool_state", StringComparison.Ordinal) && sql.TrimStart().StartsWith("SELECT", StringComparison.Ordinal));
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(LibraryDataSources.MaxAutoPrepare, settings.MaxAutoPrepare);
        Assert.Equal(LibraryDataSources.AutoPrepareMinUsages, settings.AutoPrepareMinUsages);
    }

    [Fact]
    public async Task OwnDataSource_PreparesAStatementTheFirstTimeItRunsOnAConnection_ButNeverThePoolerCheck()
    {
        await using var provider = Provider(o => o.ConnectionString = db.DirectConnectionString);
        var own = provider.GetRequiredService<LibraryDataSources>();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        // One call on a new physical connection (checked first, then the load, once each).
        Assert.Null(await provider.GetRequiredService<IContinuationService>().LoadStateAsync(conversation, "user-a"));

        // Npgsql's pool hands its idle connections out in turn: a statement prepared only on a later use would run
        // unprepared once on every connection of a large pool first.
        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        var prepared = await PreparedStatementsAsync(connection);
        Assert.Contains(prepared, sql => sql.Contains("pending_tool_state", StringComparison.Ordinal) && sql.TrimStart().StartsWith("SELECT", StringComparison.Ordinal));
        // The check runs before anyone knows whether a pooler is in the way: preparing it there is the hazard it guards against.
        Assert.DoesNotContain(prepared, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ConnectionPooler.Detect, "force_generic_plan", "lz4")]
    [InlineData(ConnectionPooler.None, "force_generic_plan", "lz4")]
    [InlineData(ConnectionPooler.TransactionWithPreparedStatements, "auto", "pglz")]
    [InlineData(ConnectionPooler.Transaction, "auto", "pglz")]
    public async Task OwnDataSource_PlansGenericallyAndCompressesWithLz4_OnlyOnConnectionsKnownToBeDirect(
        ConnectionPooler pooler, string planCacheMode, string toastCompression)
    {
        await using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString;
            o.ConnectionPooler = pooler;
        });
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(planCacheMode, await PlanCacheModeAsync(connection));
        Assert.Equal(toastCompression, await ToastCompressionAsync(connection));
    }

    [Fact]
    public async Task ARegisteredDataSource_KeepsTheServersSettings()
    {
        await using var hostSource = NpgsqlDataSource.Create(db.DirectConnectionString);
        await using var provider = new ServiceCollection().AddSingleton(hostSource).AddContinuationState().BuildServiceProvider();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        await using var connection = await hostSource.OpenConnectionAsync();
        Assert.Equal("auto", await PlanCacheModeAsync(connection));
        Assert.Equal("pglz", await ToastCompressionAsync(connection));
    }

    [Fact]
    public async Task CompressWithLz4Off_KeepsTheServersCompression_AndStillPlansGenerically()
    {
        await using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString;
            o.CompressWithLz4 = false;
        });
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal("force_generic_plan", await PlanCacheModeAsync(connection));
        Assert.Equal("pglz", await ToastCompressionAsync(connection));
    }

    [Theory]
    [InlineData(ConnectionPooler.Detect)]
    [InlineData(ConnectionPooler.None)]
    public async Task SessionSettingsTheConnectionStringMakes_AreKept(ConnectionPooler pooler)
    {
        await using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString + ";Options=-c default_toast_compression=pglz -c plan_cache_mode=force_custom_plan";
            o.ConnectionPooler = pooler;
        });
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.True(own.Prepares);
        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal("force_custom_plan", await PlanCacheModeAsync(connection));
        Assert.Equal("pglz", await ToastCompressionAsync(connection));
    }

    [Theory]
    [InlineData(true, "lz4")]
    [InlineData(false, "pglz")]
    public async Task ALargeSavedState_IsStoredWithTheChosenCompression_AndReadsBackTheSame(bool lz4, string expected)
    {
        await using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString;
            o.CompressWithLz4 = lz4;
        });
        var service = provider.GetRequiredService<IContinuationService>();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        // Well past the 2 KB at which PostgreSQL compresses a row's values, and compressible, as transcripts are.
        var content = string.Join(' ', Enumerable.Range(0, 4000).Select(i => $"token{i % 97}"));

        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot(content));

        Assert.Equal(expected, await TestData.ScalarAsync<string>(
            db.DataSource, "SELECT pg_column_compression(messages) FROM pending_tool_state WHERE conversation_id = $1", conversation));
        var loaded = await service.LoadStateAsync(conversation.ToString(), "user-a");
        Assert.Equal(content, loaded!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task OwnDataSource_TheRegisteredDataSourceKeepsTheConnectionStringAsWritten()
    {
        await using var provider = Provider(o => o.ConnectionString = db.DirectConnectionString);
        _ = provider.GetRequiredService<IContinuationService>();

        var registered = new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.False(registered.NoResetOnClose);
        Assert.Equal(0, registered.MaxAutoPrepare);
    }

    [Fact]
    public async Task SettingsTheConnectionStringNames_AreKept()
    {
        var connectionString = db.DirectConnectionString + ";Max Auto Prepare=0;No Reset On Close=false";
        await using var provider = Provider(o => o.ConnectionString = connectionString);
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.False(own.Prepares);
        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        Assert.Empty(await PreparedStatementsAsync(connection));
        Assert.False(new NpgsqlConnectionStringBuilder(connection.ConnectionString).NoResetOnClose);
    }

    [Fact]
    public async Task WithoutPooling_NothingIsPreparedOrChecked()
    {
        await using var provider = Provider(o => o.ConnectionString = db.DirectConnectionString + ";Pooling=false");
        var own = provider.GetRequiredService<LibraryDataSources>();
        using var commands = new CommandCounter(db.DatabaseName, includePoolerCheck: true);

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.False(own.Prepares);
        Assert.DoesNotContain(commands.Commands, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnderDetect_EachNewPhysicalConnectionIsCheckedOnce()
    {
        await using var provider = Provider(o => o.ConnectionString = db.DirectConnectionString);
        using var commands = new CommandCounter(db.DatabaseName, includePoolerCheck: true);

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        // One pooled connection served every call in a row: checked when it was opened, never again.
        Assert.Single(commands.Commands, sql => sql.Contains("pg_backend_pid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectionPoolerTransaction_NeverPrepares()
    {
        await using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString;
            o.ConnectionPooler = ConnectionPooler.Transaction;
        });
        var own = provider.GetRequiredService<LibraryDataSources>();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        Assert.False(own.Prepares);
        await using var connection = await own.OpenConnectionAsync(CancellationToken.None);
        Assert.Empty(await PreparedStatementsAsync(connection));
        Assert.True(new NpgsqlConnectionStringBuilder(connection.ConnectionString).NoResetOnClose);
    }

    [Fact]
    public async Task ARegisteredDataSource_IsUsedAsTheHostBuiltIt()
    {
        var connectionString = db.DirectConnectionString + ";Application Name=host-registered";
        await using var hostSource = NpgsqlDataSource.Create(connectionString);
        await using var provider = new ServiceCollection().AddSingleton(hostSource).AddContinuationState().BuildServiceProvider();

        await TestData.RunPauseCyclesAsync(db.DataSource, provider.GetRequiredService<IContinuationService>());

        // The host's data source prepares nothing (Npgsql's default), and its pooled connection is the one the service used.
        await using var connection = await hostSource.OpenConnectionAsync();
        Assert.Empty(await PreparedStatementsAsync(connection));
        Assert.Equal(1, await TestData.ScalarAsync<long>(
            db.DataSource, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'host-registered' AND datname = current_database()"));
    }

    [Fact]
    public void Validation_RejectsTransactionPoolingWithPreparationInTheConnectionString()
    {
        using var provider = Provider(o =>
        {
            o.ConnectionString = db.DirectConnectionString + ";Max Auto Prepare=10";
            o.ConnectionPooler = ConnectionPooler.Transaction;
        });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ContinuationStateOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith(nameof(ContinuationStateOptions.ConnectionPooler), StringComparison.Ordinal) && f.Contains("Max Auto Prepare", StringComparison.Ordinal));
    }

    internal static ServiceProvider Provider(Action<ContinuationStateOptions> configure, ILoggerProvider? logs = null)
        => new ServiceCollection()
            .AddLogging(b =>
            {
                if (logs is not null)
                {
                    b.AddProvider(logs);
                }
            })
            .AddContinuationState(configure)
            .BuildServiceProvider();

    internal static Task<string?> PlanCacheModeAsync(NpgsqlConnection connection) => SettingAsync(connection, "plan_cache_mode");

    internal static Task<string?> ToastCompressionAsync(NpgsqlConnection connection) => SettingAsync(connection, "default_toast_compression");

    private static async Task<string?> SettingAsync(NpgsqlConnection connection, string name)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting($1)", connection);
        command.Parameters.AddWithValue(name);
        return (string?)await command.ExecuteScalarAsync();
    }

    internal static async Task<List<string>> PreparedStatementsAsync(NpgsqlConnection connection)
    {
        // Unnamed statements never show here; Npgsql's automatic ones are named _auto0, _auto1, ...
        await using var command = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements WHERE name LIKE '\\_auto%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var statements = new List<string>();
        while (await reader.ReadAsync())
        {
            statements.Add(reader.GetString(0));
        }

        return statements;
    }
}
