using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>A migrated database of its own for one test class, dropped when the class is done.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private string? _database;
    private NpgsqlDataSource? _dataSource;

    public string DatabaseName => _database ?? throw new InvalidOperationException("Fixture not initialized.");

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <summary>Where the tests' operations connect (through PgBouncer in the pooler pass).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Straight to the server, for what a pooler cannot carry (startup options such as statement_timeout).</summary>
    public string DirectConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateMigratedAsync();
        ConnectionString = await TestServer.DataConnectionStringAsync(_database);
        DirectConnectionString = TestServer.ForDatabase(await TestServer.GetAdminConnectionStringAsync(), _database);
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            await TestDatabases.DropAsync(_database);
        }
    }

    public ContinuationService CreateService(Action<ContinuationStateOptions>? configure = null)
    {
        var options = new ContinuationStateOptions();
        configure?.Invoke(options);
        return new ContinuationService(DataSource, Options.Create(options));
    }
}
