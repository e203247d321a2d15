using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

public sealed class SaveAndLoadTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Save_ThenLoad_ReturnsEveryPartAsSaved()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        var snapshot = TestData.Snapshot() with { ClientTools = new[] { new { name = "pick_file" } } };

        var returned = await service.SaveStateAsync(conversation.ToString(), "user-a", snapshot);
        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");

        Assert.Equal(conversation.ToString(), returned);
        Assert.NotNull(state);
        Assert.Equal(conversation, state.ConversationId);
        Assert.Equal("user-a", state.UserId);
        Assert.Equal(PendingToolStateStatus.Pending, state.Status);
        Assert.Null(state.ResumedAt);
        AssertJson("""[{"role":"user","content":"hello"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","name":"send_email"}]}]""", state.Messages);
        AssertJson("""[{"call_id":"call_1","name":"send_email","arguments":{"to":"a@example.com"}}]""", state.PendingToolCalls);
        AssertJson("""{"send_email":{"requires_approval":true}}""", state.ToolsDict);
        AssertJson("""[{"type":"function","name":"send_email"}]""", state.ToolSchemas);
        AssertJson("""{"agent_id":"agent-1","model":"scripted"}""", state.AgentConfig);
        Assert.NotNull(state.ClientTools);
        AssertJson("""[{"name":"pick_file"}]""", state.ClientTools.Value);
    }

    [Fact]
    public async Task Save_WithoutClientTools_StoresSqlNull()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);

        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot());

        var isNull = await TestData.ScalarAsync<bool>(db.DataSource, "SELECT client_tools IS NULL FROM pending_tool_state WHERE conversation_id = $1", conversation);
        Assert.True(isNull);
        Assert.Null((await service.LoadStateAsync(conversation.ToString(), "user-a"))!.ClientTools);
    }

    [Fact]
    public async Task Save_StampsCreatedAndExpiresWithTheDatabaseClockAndDefaultTtl()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);

        var before = await TestData.ScalarAsync<DateTime>(db.DataSource, "SELECT clock_timestamp()");
        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot());
        var after = await TestData.ScalarAsync<DateTime>(db.DataSource, "SELECT clock_timestamp()");

        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");
        Assert.NotNull(state);
        Assert.InRange(state.CreatedAt.UtcDateTime, before, after);
        Assert.Equal(TimeSpan.FromMinutes(30), state.ExpiresAt - state.CreatedAt);
    }

    [Fact]
    public async Task Save_WithTtl_SetsExpiryThatFarFromCreation()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);

        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot(), TimeSpan.FromSeconds(90));

        var state = await service.LoadStateAsync(conversation.ToString(), "user-a");
        Assert.Equal(TimeSpan.FromSeconds(90), state!.ExpiresAt - state.CreatedAt);
    }

    [Fact]
    public async Task Save_Twice_UpsertsOneRowAndResetsAClaimToPending()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("first"));
        var claimed = await service.ClaimStateAsync(conversation, "user-a");
        Assert.NotNull(claimed);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET created_at = created_at - interval '1 hour' WHERE conversation_id = $1", Guid.Parse(conversation));

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("second"));

        var rows = await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.Equal(1, rows);
        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.NotNull(state);
        Assert.Equal(claimed.Id, state.Id);
        Assert.Equal(PendingToolStateStatus.Pending, state.Status);
        Assert.Null(state.ResumedAt);
        Assert.Equal("second", state.Messages[0].GetProperty("content").GetString());
        Assert.True(state.CreatedAt > claimed.CreatedAt, "a re-save restamps created_at");
    }

    [Fact]
    public async Task Load_ExpiredState_ReturnsNull()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);
        await service.SaveStateAsync(conversation.ToString(), "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", conversation);

        Assert.Null(await service.LoadStateAsync(conversation.ToString(), "user-a"));
    }

    [Fact]
    public async Task Load_ClaimedState_ReturnsNull()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.Null(await service.LoadStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task Load_NoState_ReturnsNull()
    {
        var service = db.CreateService();
        var conversation = await TestData.CreateConversationAsync(db.DataSource);

        Assert.Null(await service.LoadStateAsync(conversation.ToString(), "user-a"));
    }

    [Fact]
    public async Task Load_ReturnsJsonThatStaysValidAfterTheCall()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("kept"));

        var state = await service.LoadStateAsync(conversation, "user-a");
        // Churn the pool so any buffer the reader lent out would have been reused.
        for (var i = 0; i < 5; i++)
        {
            await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(new string('x', 10_000)));
            await service.LoadStateAsync(conversation, "user-a");
        }

        Assert.Equal("kept", state!.Messages[0].GetProperty("content").GetString());
    }

    private static void AssertJson(string expected, JsonElement actual)
        => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText())), $"expected {expected}, got {actual.GetRawText()}");
}
