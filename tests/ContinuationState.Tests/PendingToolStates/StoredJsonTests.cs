using System.Text.Json;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

/// <summary>Loaded and claimed states keep each JSON part as the bytes the database sent and parse it on first read.</summary>
public sealed class StoredJsonTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ClaimedState_PartsReadAfterTheConnectionIsGone_AreTheSavedJson()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        var snapshot = TestData.Snapshot("read later") with { ClientTools = new[] { new { name = "pick_file" } } };
        await service.SaveStateAsync(conversation.ToString(), "user-a", snapshot);

        var state = await service.ClaimStateAsync(conversation.ToString(), "user-a");
        await service.DeleteStateAsync(conversation.ToString(), "user-a");
        db.DataSource.Clear();

        Assert.NotNull(state);
        Assert.Equal("read later", state.Messages[0].GetProperty("content").GetString());
        Assert.Equal("send_email", state.PendingToolCalls[0].GetProperty("name").GetString());
        Assert.True(state.ToolsDict.GetProperty("send_email").GetProperty("requires_approval").GetBoolean());
        Assert.Equal("function", state.ToolSchemas[0].GetProperty("type").GetString());
        Assert.Equal("agent-1", state.AgentConfig.GetProperty("agent_id").GetString());
        Assert.Equal("pick_file", state.ClientTools!.Value[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ParsedJsonSavedAsParsed_SpacingAndEscapesIncluded_LoadsAsTheSameValue()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        using var messages = JsonDocument.Parse("[ {\"role\" : \"user\",\n \"content\": \"caf\\u00e9 \\ud83d\\ude80 \\\\u0000\"} , 1.50 ]");
        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot() with { Messages = messages.RootElement });

        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");

        Assert.NotNull(state);
        Assert.Equal("café 🚀 \\u0000", state.Messages[0].GetProperty("content").GetString());
        Assert.True(JsonElement.DeepEquals(messages.RootElement, state.Messages));
    }

    [Fact]
    public async Task FirstReads_FromManyThreadsAtOnce_AllSeeOneEqualElement()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        var messages = Enumerable.Range(0, 2_000).Select(i => new { role = "user", content = $"message {i}" }).ToArray();
        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot() with { Messages = messages });
        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");
        Assert.NotNull(state);

        using var start = new Barrier(8);
        var seen = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return state.Messages;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        var expected = JsonSerializer.SerializeToElement(messages);
        Assert.All(seen, element => Assert.True(JsonElement.DeepEquals(expected, element)));
        Assert.Equal("message 1999", seen[0][1_999].GetProperty("content").GetString());
    }

    [Fact]
    public async Task StoredJsonTooDeepToParse_FailsWhenThatPartIsRead_NamingTheColumn()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot());

        // Written behind the library's back (e.g. by another host): deeper than any state the library writes.
        await TestData.ExecuteAsync(
            db.DataSource,
            "UPDATE pending_tool_state SET tool_schemas = (repeat('[', 10001) || repeat(']', 10001))::jsonb WHERE conversation_id = $1",
            conversation);
        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");

        Assert.NotNull(state);
        Assert.Equal("hello", state.Messages[0].GetProperty("content").GetString());
        var error = Assert.Throws<ContinuationStateException>(() => state.ToolSchemas);
        Assert.Contains("pending_tool_state.tool_schemas", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }
}
