using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Extensions.AI;
using ContinuationState.Serialization;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>Every AIContent kind Microsoft.Extensions.AI defines, through jsonb (which reorders keys), equal after reload.</summary>
public sealed class AIContentRoundTripTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly JsonSerializerOptions ReadBack = new(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true };

    [Fact]
    public void TheSample_CoversEveryConstructibleKindTheFrameworkDefines()
    {
        var defined = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(AIContent)).PolymorphismOptions!.DerivedTypes
            .Select(d => d.DerivedType)
            .Where(t => t.GetConstructors().Length > 0) // InputRequestContent and InputResponseContent are bases only
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(defined, EveryKind().Select(c => c.GetType().Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ThroughAChatPause_EveryKindLoadsBackAsItself()
    {
        var messages = Messages();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location")]));
        Assert.True(ChatPause.TryCreate(messages, response, null, out var pause));
        await db.CreateService().SaveChatPauseAsync(conversation, "user-a", pause);

        var claimed = (await db.CreateService().ClaimChatPauseAsync(conversation, "user-a", "resume-1")).Pause!;

        AssertSame([.. messages, .. response.Messages], claimed.Messages);
    }

    [Fact]
    public async Task ThroughTheCoreService_WithMicrosoftExtensionsAIsSerializerOptions_EveryKindLoadsBackAsItself()
    {
        // A host with no integration package: a List<ChatMessage> passed straight to SaveStateAsync.
        var options = new ContinuationStateOptions { Json = new ContinuationJsonOptions { SerializerOptions = AIJsonUtilities.DefaultOptions } };
        var service = new ContinuationService(db.DataSource, Options.Create(options));
        var messages = Messages();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { Messages = messages });
        var loaded = (await service.LoadStateAsync(conversation, "user-a"))!.Messages.Deserialize<List<ChatMessage>>(ReadBack)!;

        AssertSame(messages, loaded);
    }

    private static void AssertSame(IReadOnlyList<ChatMessage> expected, IReadOnlyList<ChatMessage> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Contents.Select(c => c.GetType()), actual[i].Contents.Select(c => c.GetType()));
        }

        var before = JsonSerializer.SerializeToNode(expected, AIJsonUtilities.DefaultOptions);
        var after = JsonSerializer.SerializeToNode(actual, AIJsonUtilities.DefaultOptions);
        Assert.True(JsonNode.DeepEquals(before, after), $"before {before?.ToJsonString()}\nafter  {after?.ToJsonString()}");
    }

    private static List<ChatMessage> Messages() =>
    [
        new(ChatRole.System, "You are a travel agent."),
        new(ChatRole.User, [.. EveryKind()]) { AuthorName = "ana", MessageId = "m-1" },
    ];

    internal static IEnumerable<AIContent> EveryKind()
    {
        var call = new FunctionCallContent("call-1", "book_flight", new Dictionary<string, object?> { ["to"] = "Oslo", ["seats"] = 2 });
        yield return new TextContent("hello, \u00e6\u00f8\u00e5 \ud83d\ude00");
        yield return new TextReasoningContent("thinking") { ProtectedData = "opaque" };
        yield return new DataContent(new byte[] { 1, 2, 3, 255 }, "image/png") { Name = "pixel.png" };
        yield return new UriContent(new Uri("https://example.com/a.png"), "image/png");
        yield return new ErrorContent("rate limited") { ErrorCode = "429", Details = "retry later" };
        yield return call;
        yield return new FunctionResultContent("call-1", "booked");
        yield return new HostedFileContent("file-1");
        yield return new HostedVectorStoreContent("vs-1");
        yield return new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 20, TotalTokenCount = 30 });
        yield return new ToolCallContent("tool-call-1");
        yield return new ToolResultContent("tool-call-1");
        yield return new ToolApprovalRequestContent("req-1", call);
        yield return new ToolApprovalResponseContent("req-1", true, call) { Reason = "fine" };
        yield return new McpServerToolCallContent("mcp-1", "search", "docs-server");
        yield return new McpServerToolResultContent("mcp-1");
        yield return new ImageGenerationToolCallContent("img-1");
        yield return new ImageGenerationToolResultContent("img-1");
        yield return new CodeInterpreterToolCallContent("code-1");
        yield return new CodeInterpreterToolResultContent("code-1");
        yield return new WebSearchToolCallContent("web-1");
        yield return new WebSearchToolResultContent("web-1");
    }
}
