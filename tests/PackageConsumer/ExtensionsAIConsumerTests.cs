using ContinuationState;
using ContinuationState.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace PackageConsumer;

/// <summary>The packed ContinuationState.Extensions.AI as a host meets it: pause a turn, claim it, resume, finish.</summary>
public sealed class ExtensionsAIConsumerTests : IAsyncLifetime
{
    private readonly ConsumerDatabase _database = new();

    public Task InitializeAsync() => _database.CreateAsync();

    public Task DisposeAsync() => _database.DropAsync();

    [Fact]
    public async Task Package_PausesAChatTurn_AndResumesItOnceWithTheStoredCall()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddContinuationState(options => options.ConnectionString = _database.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
        Guid conversation;
        await using (var connection = await provider.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        {
            conversation = (await new ConversationsRepository(connection).CreateAsync("consumer-user")).Id;
        }

        var continuations = provider.GetRequiredService<IContinuationService>();
        var call = new FunctionCallContent("call-1", "delete_bucket", new Dictionary<string, object?> { ["bucket"] = "staging" });
        var history = new List<ChatMessage> { new(ChatRole.User, "delete the staging bucket") };
        var paused = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new ToolApprovalRequestContent("req-1", call)]));
        Assert.True(ChatPause.TryCreate(history, paused, new ChatOptions { ModelId = "test-model" }, out var pause));
        await continuations.SaveChatPauseAsync(conversation.ToString(), "consumer-user", pause);

        var claim = await continuations.ClaimChatPauseAsync(conversation.ToString(), "consumer-user", "resume-1");
        var claimed = Assert.IsType<ClaimedChatPause>(claim.Pause);
        var resume = claimed.CreateResumeMessages([new ToolApprovalDecision("req-1", true)]);
        var response = Assert.IsType<ToolApprovalResponseContent>(resume[^1].Contents.Single());
        Assert.Equal("staging", ((FunctionCallContent)response.ToolCall).Arguments!["bucket"]!.ToString());
        Assert.Equal("test-model", claimed.Options!.ModelId);

        var done = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Deleted."));
        Assert.Equal(ChatResumeOutcome.Completed, await continuations.FinishChatResumeAsync(claimed, resume, done));
        Assert.Equal(ResumeClaimStatus.Completed, (await continuations.ClaimChatPauseAsync(conversation.ToString(), "consumer-user", "resume-1")).Status);
    }
}
