using ContinuationState;
using ContinuationState.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace PackageConsumer;

/// <summary>
/// The Microsoft.Extensions.AI snippet of docs/extensions-ai.md (the README's until issue 29), line for line, on the
/// packed packages and an empty database: what a newcomer pastes must run. Only its placeholders are filled in (a
/// scripted model, the ids a request would carry).
/// </summary>
public sealed class ReadmeSnippetTests : IAsyncLifetime
{
    private readonly ConsumerDatabase _database = new();

    public Task InitializeAsync() => _database.CreateAsync();

    public Task DisposeAsync() => _database.DropAsync();

    [Fact]
    public async Task TheExtensionsAISnippet_RunsOnAnEmptyDatabase_AndSendsTheEmailOnce()
    {
        var sent = 0;
        IChatClient model = new EmailModel();
        var userId = "ana";
        var resumeId = "request-1";

        // --- the snippet in docs/extensions-ai.md, from here ---
        var services = new ServiceCollection().AddLogging()
            .AddContinuationState(o => o.ConnectionString = _database.ConnectionString)
            .BuildServiceProvider();
        await services.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();   // an empty database is fine
        var continuations = services.GetRequiredService<IContinuationService>();

        var sendEmail = AIFunctionFactory.Create((string to) => { sent++; return $"sent to {to}"; }, "send_email");
        var options = new ChatOptions { Tools = [new ApprovalRequiredAIFunction(sendEmail)] };
        IChatClient chat = new ChatClientBuilder(model).UseFunctionInvocation().Build();

        var conversationId = Guid.NewGuid().ToString();
        await continuations.EnsureConversationAsync(conversationId, userId);
        var history = new List<ChatMessage> { new(ChatRole.User, "Email Ana the report") };
        var response = await chat.GetResponseAsync(history, options);
        if (ChatPause.TryCreate(history, response, options, out var pause))
            await continuations.SaveChatPauseAsync(conversationId, userId, pause);

        var callIdTheUserApproved = "call-email";
        var claim = await continuations.ClaimChatPauseAsync(conversationId, userId, resumeId);
        var paused = Assert.IsType<ClaimedChatPause>(claim.Pause);
        var requestId = paused.ApprovalRequests.Single(r => r.ToolCall.CallId == callIdTheUserApproved).RequestId;
        var messages = paused.CreateResumeMessages([new ToolApprovalDecision(requestId, Approved: true)]);
        var answer = await chat.GetResponseAsync(messages, options);
        var outcome = await continuations.FinishChatResumeAsync(paused, messages, answer, options, outcome: new { answer.ResponseId });
        // --- to here ---

        Assert.Equal(ChatResumeOutcome.Completed, outcome);
        Assert.Equal(1, sent);
        Assert.Equal("Sent.", answer.Text);
        Assert.False(await continuations.EnsureConversationAsync(conversationId, userId)); // a retry is a no-op
        Assert.Equal(ResumeClaimStatus.Completed, (await continuations.ClaimChatPauseAsync(conversationId, userId, resumeId)).Status);
        await services.DisposeAsync();
    }

    private sealed class EmailModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => Task.FromResult(messages.Last().Contents.OfType<FunctionResultContent>().Any()
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, "Sent."))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-email", "send_email", new Dictionary<string, object?> { ["to"] = "ana@example.com" })])));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
