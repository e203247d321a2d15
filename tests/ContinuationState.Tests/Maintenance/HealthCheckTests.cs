using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Maintenance;

public sealed class HealthCheckTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task MigratedDatabase_WithFewExpiredRows_IsHealthy()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 3);

        var result = await Check(db.DataSource, threshold: 3);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task ExpiredBacklogPastTheThreshold_IsDegraded()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 4);

        var result = await Check(db.DataSource, threshold: 3);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("maintenance", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnmigratedDatabase_IsUnhealthy()
    {
        var database = await TestDatabases.CreateEmptyAsync();
        try
        {
            await using var empty = NpgsqlDataSource.Create(await TestServer.DataConnectionStringAsync(database));

            var result = await Check(empty, threshold: 10);

            Assert.Equal(HealthStatus.Unhealthy, result.Status);
            Assert.Contains("migrated", result.Description, StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabases.DropAsync(database);
        }
    }

    [Fact]
    public async Task MissingMigration_IsUnhealthyNamingIt()
    {
        var last = ContinuationStateMigrator.ShippedMigrations[^1];
        await TestData.ExecuteAsync(db.DataSource, "DELETE FROM continuationstate_migrations WHERE name = $1", last);
        try
        {
            var result = await Check(db.DataSource, threshold: 10);

            Assert.Equal(HealthStatus.Unhealthy, result.Status);
            Assert.Contains(last, result.Description, StringComparison.Ordinal);
        }
        finally
        {
            await new ContinuationStateMigrator(db.DataSource, Options.Create(new ContinuationStateOptions())).MigrateAsync();
        }
    }

    [Fact]
    public async Task UnreachableDatabase_IsUnhealthy()
    {
        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = 1, Timeout = 2 };
        await using var dead = NpgsqlDataSource.Create(builder.ConnectionString);

        var result = await Check(dead, threshold: 10);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task AddContinuationState_OnTheHealthChecksBuilder_RegistersTheCheck()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(db.DataSource).AddContinuationState();
        services.AddHealthChecks().AddContinuationState(expiredBacklogThreshold: 100);
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries["continuationstate"].Status);
    }

    private static Task<HealthCheckResult> Check(NpgsqlDataSource dataSource, int threshold)
    {
        var check = new ContinuationStateHealthCheck(dataSource, Options.Create(new ContinuationStateOptions())) { ExpiredBacklogThreshold = threshold };
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("continuationstate", check, HealthStatus.Unhealthy, null) };
        return check.CheckHealthAsync(context);
    }
}
