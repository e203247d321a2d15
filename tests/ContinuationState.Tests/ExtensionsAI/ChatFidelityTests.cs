using System.Text.Json;
using ContinuationState.Extensions.AI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>
/// A resumed chat client is given exactly what an uninterrupted run gives it, byte for byte: jsonb sorts keys and
/// respells numbers, so a pause keeps the exact text of its history and options beside the jsonb parts.
/// </summary>
public sealed class ChatFidelityTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";

    [Fact]
    public async Task TheRequestAfterAResume_IsByteForByteTheRequestOfAnUninterruptedRun()
    {
        var uninterrupted = new RecordingAgent();
        var (history, first) = await uninterrupted.AskAsync();
        history.AddRange(first.Messages);
        var request = first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        history.Add(new ChatMessage(ChatRole.User, [request.CreateResponse(true)]));
        await uninterrupted.Client.GetResponseAsync(history, uninterrupted.Options());

        var paused = new RecordingAgent();
        var (pausedHistory, pausedFirst) = await paused.AskAsync();
        Assert.True(ChatPause.TryCreate(pausedHistory, pausedFirst, paused.Options(), out var pause));
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        await db.CreateService().SaveChatPauseAsync(conversation, User, pause);
        var replica = new RecordingAgent();
        var claimed = (await db.CreateService().ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;
        var options = claimed.Options!.Clone();
        options.Tools = replica.Options().Tools;
        await replica.Client.GetResponseAsync(claimed.CreateResumeMessages([new ToolApprovalDecision(claimed.ApprovalRequests[0].RequestId, true)]), options);

        Assert.Equal(2, uninterrupted.Requests.Count);
        Assert.Single(replica.Requests);
        Assert.Equal(uninterrupted.Requests[1], replica.Requests[0]);
        Assert.Contains("\"amount\": -0,", replica.Requests[0], StringComparison.Ordinal);
        Assert.Contains("1E+300", replica.Requests[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryContentKind_WithKeysInAnyOrderAndOddNumbers_ComesBackAsTheSameBytes()
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, [.. AIContentRoundTripTests.EveryKind()]) { AdditionalProperties = new() { ["zeta"] = 1, ["alpha"] = -0.0, ["mid"] = 1e-300 } },
            new(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location", Arguments())]),
        };
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var options = new ChatOptions { ModelId = "m", AdditionalProperties = new() { ["zeta"] = 2.5e300, ["alpha"] = -0.0 } };
        Assert.True(ChatPause.TryCreate([], new ChatResponse(messages), options, out var pause));
        await db.CreateService().SaveChatPauseAsync(conversation, User, pause);

        var claimed = (await db.CreateService().ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;

        Assert.Equal(JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions), JsonSerializer.Serialize(claimed.Messages, AIJsonUtilities.DefaultOptions));
        Assert.Equal(JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions), JsonSerializer.Serialize(claimed.Options, AIJsonUtilities.DefaultOptions));
    }

    [Fact]
    public async Task APauseSavedBeforeTheExactText_IsStillReadFromItsParts()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var messages = new List<ChatMessage> { new(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location", Arguments())]) };
        Assert.True(ChatPause.TryCreate([], new ChatResponse(messages), new ChatOptions { ModelId = "m" }, out var pause));
        await db.CreateService().SaveChatPauseAsync(conversation, User, pause);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET agent_config = agent_config - 'messages_json' - 'chat_options_json' WHERE conversation_id = $1", Guid.Parse(conversation));

        var claimed = (await db.CreateService().ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;

        Assert.Equal("client-call", Assert.Single(claimed.ClientToolCalls).CallId);
        Assert.Equal("m", claimed.Options!.ModelId);
    }

    [Fact]
    public async Task TheJsonbParts_StillHoldTheHistory_ForADocsGPTReader()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var messages = new List<ChatMessage> { new(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location", Arguments())]) };
        Assert.True(ChatPause.TryCreate([], new ChatResponse(messages), null, out var pause));
        await db.CreateService().SaveChatPauseAsync(conversation, User, pause);

        var roles = await TestData.ScalarAsync<string>(db.DataSource, "SELECT string_agg(m ->> 'role', ',') FROM pending_tool_state, jsonb_array_elements(messages) AS m WHERE conversation_id = $1", Guid.Parse(conversation));
        var callId = await TestData.ScalarAsync<string>(db.DataSource, "SELECT pending_tool_calls -> 0 ->> 'call_id' FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal("assistant", roles);
        Assert.Equal("client-call", callId);
    }

    private static Dictionary<string, object?> Arguments() => new()
    {
        ["amount"] = -0.0,
        ["when"] = 1e300,
        ["id"] = "x",
        ["nested"] = new Dictionary<string, object?> { ["z"] = 5e-324, ["a"] = 1.5 },
        ["list"] = new object?[] { 3, -0.0, "b" },
    };

    /// <summary>A scripted model behind a real FunctionInvokingChatClient that records every request it is sent.</summary>
    private sealed class RecordingAgent
    {
        public RecordingAgent()
        {
            var book = AIFunctionFactory.Create((string id) => new Dictionary<string, object?> { ["zulu"] = 1, ["alpha"] = -0.0, ["id"] = id }, "book", "Books.");
            Tools = [new ApprovalRequiredAIFunction(book)];
            Client = new ChatClientBuilder(new Model(Requests)).UseFunctionInvocation().Build();
        }

        public List<string> Requests { get; } = [];

        public IList<AITool> Tools { get; }

        public IChatClient Client { get; }

        public ChatOptions Options() => new()
        {
            Tools = Tools,
            ModelId = "scripted",
            AdditionalProperties = new() { ["zeta"] = 1, ["alpha"] = -0.0, ["big"] = 1e300 },
        };

        public async Task<(List<ChatMessage> History, ChatResponse Response)> AskAsync()
        {
            var history = new List<ChatMessage> { new(ChatRole.User, "book it") { AdditionalProperties = new() { ["z"] = 1, ["a"] = 2 } } };
            return (history, await Client.GetResponseAsync(history, Options()));
        }

        private sealed class Model(List<string> requests) : IChatClient
        {
            public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            {
                var list = messages.ToList();
                var sent = options?.Clone();
                if (sent is not null)
                {
                    sent.Tools = null;
                }

                requests.Add(JsonSerializer.Serialize(list, AIJsonUtilities.DefaultOptions) + JsonSerializer.Serialize(sent, AIJsonUtilities.DefaultOptions));
                var answer = list.Last().Contents.OfType<FunctionResultContent>().Any()
                    ? new ChatMessage(ChatRole.Assistant, "Done.")
                    : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-book", "book", Arguments()) { AdditionalProperties = new() { ["zeta"] = 1, ["alpha"] = 2 } }]);
                return Task.FromResult(new ChatResponse(answer));
            }

            public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
                => throw new NotSupportedException();

            public object? GetService(Type serviceType, object? serviceKey = null) => null;

            public void Dispose()
            {
            }
        }
    }
}
