#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ContinuationState.Tests.DataSources;

/// <summary>
/// ContinuationStateOptions.DataSourceKey names a keyed NpgsqlDataSource (Npgsql.DependencyInjection's
/// <c>AddNpgsqlDataSource(..., serviceKey:)</c>, as Aspire registers one per connection name). The unkeyed one
/// registered beside it here points at a database that does not exist, so any use of it would fail.
/// </summary>
public sealed class KeyedDataSourceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Key = "agents";

    [Fact]
    public async Task AKeyedDataSource_IsTheOneTheServiceMigratorAndHealthCheckUse()
    {
        await using var provider = Services(o => o.DataSourceKey = Key)
            .AddHealthChecks().AddContinuationState().Services
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var service = provider.GetRequiredService<IContinuationService>();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("keyed"));

        Assert.Equal("keyed", (await service.LoadStateAsync(conversation, "user-a"))!.Messages[0].GetProperty("content").GetString());
        Assert.Empty(await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync());
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        // And the service prepares on it as on any data source the host registered.
        Assert.True(provider.GetRequiredService<ContinuationService>().Preparation!.Prepares);
    }

    [Fact]
    public async Task WithoutAKey_TheUnkeyedDataSourceIsUsed()
    {
        await using var provider = Services(configure: null).BuildServiceProvider();
        var service = provider.GetRequiredService<IContinuationService>();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => service.LoadStateAsync(conversation, "user-a"));

        Assert.Contains("does_not_exist", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyNoDataSourceIsRegisteredUnder_FailsWithAMessageNamingTheKey()
    {
        await using var provider = Services(o => o.DataSourceKey = "elsewhere").BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IContinuationService>());

        Assert.Contains("DataSourceKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("'elsewhere'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMaintenanceService_UsesTheKeyedDataSource()
    {
        await using var provider = Services(o => o.DataSourceKey = Key).AddContinuationStateMaintenance().BuildServiceProvider();

        var maintenance = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ContinuationStateMaintenanceService>().Single();

        var result = await maintenance.RunOnceAsync(CancellationToken.None);
        Assert.NotNull(result);
    }

    [Fact]
    public async Task TheWorkflowAndAgentSessionStores_UseTheKeyedDataSource()
    {
        await using var provider = Services(o => o.DataSourceKey = Key)
            .AddContinuationStateWorkflows()
            .AddContinuationStateAgentSessions()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var checkpoints = provider.GetRequiredService<WorkflowCheckpointStores>().ForUser("user-a");
        var session = Workflows.CheckpointStoreTests.NewSession();
        var checkpoint = await checkpoints.CreateCheckpointAsync(session, Workflows.CheckpointStoreTests.Checkpoint(3));
        var sessions = provider.GetRequiredService<AgentSessionStores>().ForUser(AgentSessions.Sessions.UserA);
        var agent = AgentSessions.Sessions.Agent(new TravelAgent());
        var key = AgentSessions.Sessions.NewKey();
        await sessions.SaveSessionAsync(agent, key, await AgentSessions.Sessions.SessionWithNoteAsync(agent, "keyed"));

        Assert.Equal(3, (await checkpoints.RetrieveCheckpointAsync(session, checkpoint)).GetProperty("step").GetInt32());
        Assert.Equal("keyed", AgentSessions.Sessions.NoteOf(await sessions.GetSessionAsync(agent, key)));
    }

    private ServiceCollection Services(Action<ContinuationStateOptions>? configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddNpgsqlDataSource(new NpgsqlConnectionStringBuilder(db.DirectConnectionString) { Database = "does_not_exist" }.ConnectionString);
        services.AddNpgsqlDataSource(db.DirectConnectionString, serviceKey: Key);
        services.AddContinuationState(configure);
        return services;
    }
}
