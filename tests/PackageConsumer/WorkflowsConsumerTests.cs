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

    [Fact]
    public async Task TheReadmeWorkflowSnippet_PausesAndResumesOnce_OnThePackedPackages()
    {
        var services = new ServiceCollection().AddLogging()
            .AddContinuationState(o => o.ConnectionString = _database.ConnectionString)
            .AddContinuationStateWorkflows();
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
        var continuations = provider.GetRequiredService<IContinuationService>();
        var stores = provider.GetRequiredService<WorkflowCheckpointStores>();
        var (userId, conversationId, resumeId, input) = ("consumer-user", Guid.NewGuid().ToString(), "resume-1", "ship it");
        await continuations.EnsureConversationAsync(conversationId, userId);
        var steps = 0;
        var port = RequestPort.Create<string, string>("approve");
        var step = new FunctionExecutor<string>("send", async (answer, context, ct) => { steps++; await context.YieldOutputAsync($"sent after '{answer}'", ct); }, outputTypes: [typeof(string)]);
        var workflow = new WorkflowBuilder(port).AddEdge(port, step).WithOutputFrom(step).Build();

        // --- the snippet in docs/agent-framework.md ("Workflows"), from here ---
        var store = stores.ForUser(userId);
        await using (var run = await InProcessExecution.RunStreamingAsync(workflow, input, CheckpointManager.CreateJson(store)))
        {
            var requests = new List<ExternalRequest>();
            await foreach (var e in run.WatchStreamAsync(blockOnPendingRequest: false)) if (e is RequestInfoEvent r) requests.Add(r.Request);
            if (WorkflowPause.TryCreate(run, requests, out var pause)) await continuations.SaveWorkflowPauseAsync(conversationId, userId, pause);
        }

        var claim = await continuations.ClaimWorkflowPauseAsync(conversationId, userId, resumeId);
        WorkflowResumeResult? result = null;
        if (claim.Pause is { } paused)
            result = await continuations.ResumeWorkflowAsync(paused, workflow, stores.ForUser(userId), [paused.Requests[0].CreateResponse("approved")]);
        // --- to here ---

        Assert.Equal(WorkflowResumeOutcome.Completed, result!.Outcome);
        Assert.Equal("sent after 'approved'", Assert.Single(result.Outputs));
        Assert.Equal(1, steps);
        Assert.Equal(ResumeClaimStatus.Completed, (await continuations.ClaimWorkflowPauseAsync(conversationId, userId, resumeId)).Status);
    }
}
