using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ContinuationState.Tests.Workflows.CheckpointStoreTests;

namespace ContinuationState.Tests.Workflows;

public sealed class WorkflowRegistrationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AddContinuationStateWorkflows_OnTheLibrarysOwnDataSource_GivesWorkingStores()
    {
        // Registered before AddContinuationState: the order does not matter.
        var services = new ServiceCollection().AddLogging()
            .AddContinuationStateWorkflows()
            .AddContinuationState(o => o.ConnectionString = db.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var stores = provider.GetRequiredService<WorkflowCheckpointStores>();
        var store = stores.ForUser("user-a");
        var session = NewSession();
        var key = await store.CreateCheckpointAsync(session, Checkpoint(7));

        Assert.Same(stores, provider.GetRequiredService<WorkflowCheckpointStores>());
        Assert.Equal(7, (await store.RetrieveCheckpointAsync(session, key)).GetProperty("step").GetInt32());
        Assert.Equal(TimeSpan.FromMinutes(30), store.SessionTtl);
        Assert.Equal(TimeSpan.FromHours(3), stores.ForUser("user-a", TimeSpan.FromHours(3)).SessionTtl);
    }

    [Fact]
    public async Task AddContinuationStateWorkflows_ReusesTheHostsDataSource()
    {
        await using var hostDataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var services = new ServiceCollection().AddSingleton(hostDataSource).AddContinuationState().AddContinuationStateWorkflows();
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<WorkflowCheckpointStores>().ForUser("user-a");
        var session = NewSession();
        await store.CreateCheckpointAsync(session, Checkpoint(1));

        Assert.Single(await store.RetrieveIndexAsync(session));
        await hostDataSource.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RetrieveIndexAsync(session).AsTask());
    }

    [Fact]
    public void ForUser_WithAnUnusableTtl_Throws()
    {
        var stores = new WorkflowCheckpointStores(db.DataSource, Microsoft.Extensions.Options.Options.Create(new ContinuationStateOptions()));

        Assert.Throws<ArgumentOutOfRangeException>(() => stores.ForUser("user-a", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => stores.ForUser("user-a", TimeSpan.FromDays(400)));
    }
}
