using System.Text.Json;
using ContinuationState.Extensions.AI;
using ContinuationState.Serialization;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>
/// The core's text policies (U+0000, lone surrogates) hold for every string a chat pause saves, in every content kind:
/// System.Text.Json's writer would otherwise turn a lone surrogate into U+FFFD before any policy saw it.
/// </summary>
public sealed class ChatTextPolicyTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";

    public static TheoryData<string> Kinds() => [.. Carriers.Keys];

    private static readonly Dictionary<string, Func<string, ChatMessage>> Carriers = new()
    {
        ["text"] = t => new(ChatRole.User, [new TextContent(t)]),
        ["reasoning"] = t => new(ChatRole.User, [new TextReasoningContent(t)]),
        ["author name"] = t => new(ChatRole.User, "hi") { AuthorName = t },
        ["call argument value"] = t => new(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["k"] = t })]),
        ["call argument key"] = t => new(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { [t] = 1 })]),
        ["call name"] = t => new(ChatRole.Assistant, [new FunctionCallContent("c1", t)]),
        ["function result"] = t => new(ChatRole.Tool, [new FunctionResultContent("c1", t)]),
        ["error"] = t => new(ChatRole.Assistant, [new ErrorContent(t) { Details = t }]),
        ["data name"] = t => new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png") { Name = t }]),
        ["additional property value"] = t => new(ChatRole.User, [new TextContent("x") { AdditionalProperties = new() { ["k"] = t } }]),
        ["additional property key"] = t => new(ChatRole.User, [new TextContent("x") { AdditionalProperties = new() { [t] = "v" } }]),
        ["message additional property"] = t => new(ChatRole.User, "x") { AdditionalProperties = new() { ["k"] = t } },
        ["approval request"] = t => new(ChatRole.Assistant, [new ToolApprovalRequestContent("r0", new FunctionCallContent("c0", "f", new Dictionary<string, object?> { ["k"] = t }))]),
        ["hosted file"] = t => new(ChatRole.User, [new HostedFileContent(t)]),
        ["mcp call"] = t => new(ChatRole.Assistant, [new McpServerToolCallContent("m1", t, "server")]),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ALoneSurrogate_IsRefusedWithItsPath_AndNothingIsWritten(string kind)
    {
        var conversation = await NewConversationAsync();

        var e = await Assert.ThrowsAsync<ContinuationJsonException>(() => db.CreateService().SaveChatPauseAsync(conversation, User, Pause(kind, "lone \uD800 surrogate")));

        Assert.StartsWith("$", e.JsonPath, StringComparison.Ordinal);
        Assert.Contains("surrogate", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task U0000_IsRefusedWithItsPath_AndNothingIsWritten(string kind)
    {
        var conversation = await NewConversationAsync();

        var e = await Assert.ThrowsAsync<ContinuationJsonException>(() => db.CreateService().SaveChatPauseAsync(conversation, User, Pause(kind, "nul \0 here")));

        Assert.StartsWith("$", e.JsonPath, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task UnderReplace_TheSurrogateBecomesUFFFD_InThePartAndInTheTextTheResumeReads(string kind)
    {
        var conversation = await NewConversationAsync();
        var service = db.CreateService(o => o.Json.LoneSurrogates = LoneSurrogatePolicy.Replace);

        await service.SaveChatPauseAsync(conversation, User, Pause(kind, "lone \uDC00 surrogate"));

        var part = await TestData.ScalarAsync<string>(db.DataSource, "SELECT messages::text FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        var text = await TestData.ScalarAsync<string>(db.DataSource, "SELECT agent_config ->> 'messages_json' FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.Contains("lone \uFFFD surrogate", part, StringComparison.Ordinal);
        Assert.Contains("lone \uFFFD surrogate", text, StringComparison.Ordinal);
        var claimed = (await service.ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;
        var resumed = JsonSerializer.Serialize(claimed.Messages, Escaped);
        Assert.Contains("lone \\uFFFD surrogate", resumed, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task UnderStrip_U0000_IsGone_FromThePartAndFromTheTextTheResumeReads(string kind)
    {
        var conversation = await NewConversationAsync();
        var service = db.CreateService(o => o.Json.NulCharacters = NulCharacterPolicy.Strip);

        await service.SaveChatPauseAsync(conversation, User, Pause(kind, "nul \0 here"));

        var claimed = (await service.ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;
        var resumed = JsonSerializer.Serialize(claimed.Messages, Escaped);
        Assert.Contains("nul  here", resumed, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0000", resumed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValidSurrogatePair_IsKept()
    {
        var conversation = await NewConversationAsync();
        await db.CreateService().SaveChatPauseAsync(conversation, User, Pause("text", "smile \uD83D\uDE00"));

        var claimed = (await db.CreateService().ClaimChatPauseAsync(conversation, User, "resume-1")).Pause!;

        Assert.Equal("smile \uD83D\uDE00", claimed.Messages[0].Text);
    }

    // Every non-ASCII character escaped, so a U+FFFD shows as \uFFFD in the text.
    private static readonly JsonSerializerOptions Escaped = new(AIJsonUtilities.DefaultOptions) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    private static ChatPause Pause(string kind, string text)
    {
        var history = new List<ChatMessage> { Carriers[kind](text) };
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location")]));
        Assert.True(ChatPause.TryCreate(history, response, null, out var pause));
        return pause;
    }

    private async Task<long> RowsAsync(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

    private async Task<string> NewConversationAsync() => (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
}
