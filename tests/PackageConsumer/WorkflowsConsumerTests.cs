using System.Text.Json;
using ContinuationState;
using ContinuationState.Extensions.AI.Workflows;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace PackageConsumer;

/// <summary>The packed ContinuationState.Extensions.AI.Workflows as a host meets it: a store per user, one checkpoint there and back.</summary>
public sealed class WorkflowsConsumerTests : IAsyncLifetime
{
    private readonly ConsumerDatabase _database = new();

    public Task InitializeAsync() => _database.CreateAsync();

    public Task DisposeAsync() => _database.DropAsync();

    [Fact]
    public async Task Package_StoresAWorkflowCheckpoint_AndReadsItBack()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddContinuationState(options => options.ConnectionString = _database.ConnectionString);
        services.AddContinuationStateWorkflows();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();

        var store = provider.GetRequiredService<WorkflowCheckpointStores>().ForUser("consumer-user");
        var checkpoint = JsonDocument.Parse("""{"$type":"checkpoint","step":1}""").RootElement;
        var key = await store.CreateCheckpointAsync("session-1", checkpoint);

        Assert.Equal("""{"$type":"checkpoint","step":1}""", (await store.RetrieveCheckpointAsync("session-1", key)).GetRawText());
        Assert.Equal(key, await CheckpointManager.CreateJson(store).GetLatestCheckpointAsync("session-1"));
    }
}
