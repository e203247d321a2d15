using System.Net;
using System.Text.Json;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

public sealed class StreamAndResumeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly TestToolExecutor _tools = new();

    [Fact]
    public async Task Stream_StreamsTokensThenPausesForApproval_WithTheStateSavedAndTheToolNotRun()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");

        var turn = await client.StreamAsync(conversation, "user-a", "Send the Q3 summary.");

        Assert.Equal(HttpStatusCode.OK, turn.Status);
        Assert.True(turn.Events.Count(e => e.EventType == "token") > 3);
        Assert.Contains("needs your approval", turn.Answer, StringComparison.Ordinal);
        Assert.Equal("tool_approval_required", turn.LastEvent);
        var call = Assert.Single(turn.LastData.GetProperty("pending_tool_calls").EnumerateArray());
        Assert.Equal("call_1", call.GetProperty("call_id").GetString());
        Assert.Equal("send_email", call.GetProperty("name").GetString());
        Assert.Equal("Send the Q3 summary.", call.GetProperty("arguments").GetProperty("body").GetString());
        Assert.Equal(0, _tools.Runs);

        var id = Guid.Parse(conversation);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1 AND user_id = 'user-a'", id));
        Assert.Equal("send_email", await TestData.ScalarAsync<string>(db.DataSource, "SELECT pending_tool_calls -> 0 ->> 'name' FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.Equal("Send the Q3 summary.", await TestData.ScalarAsync<string>(db.DataSource, "SELECT messages -> 0 -> 'contents' -> 0 ->> 'text' FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT client_tools IS NULL FROM pending_tool_state WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task Resume_Approved_RunsTheToolOnceStreamsTheRestAndDeletesTheState()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var turn = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal(HttpStatusCode.OK, turn.Status);
        Assert.Equal(1, _tools.Runs);
        Assert.Equal(["tool_result"], turn.EventTypes.Where(e => e.StartsWith("tool", StringComparison.Ordinal)));
        Assert.Equal("done", turn.LastEvent);
        Assert.Equal(turn.Answer, turn.LastData.GetProperty("answer").GetString());
        Assert.Contains("on its way", turn.Answer, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Fact]
    public async Task Resume_Denied_DoesNotRunTheToolAndDeletesTheState()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var turn = await client.ResumeAsync(conversation, "user-a", AgentClient.Deny);

        Assert.Equal(0, _tools.Runs);
        Assert.Contains("tool_denied", turn.EventTypes);
        Assert.DoesNotContain("tool_result", turn.EventTypes);
        Assert.Equal("done", turn.LastEvent);
        Assert.Contains("did not send", turn.Answer, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Fact]
    public async Task ClientTool_PausesAgainWithClientToolsSaved_ThenCompletesWithTheClientsResult()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a", clientTools: [new { name = "get_timezone", description = "The user's time zone." }]);
        Assert.Equal("get_timezone", await TestData.ScalarAsync<string>(db.DataSource, "SELECT client_tools -> 0 -> 'function' ->> 'name' FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));

        var approved = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal("client_tool_required", approved.LastEvent);
        var call = Assert.Single(approved.LastData.GetProperty("pending_tool_calls").EnumerateArray());
        Assert.Equal(("call_2", "get_timezone", "client"), (call.GetProperty("call_id").GetString(), call.GetProperty("name").GetString(), call.GetProperty("execution").GetString()));
        // The re-save over the claimed row made it pending again, with the client tools and the new pending call.
        var id = Guid.Parse(conversation);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT resumed_at IS NULL FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.Equal("call_2", await TestData.ScalarAsync<string>(db.DataSource, "SELECT pending_tool_calls -> 0 ->> 'call_id' FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.Equal("get_timezone", await TestData.ScalarAsync<string>(db.DataSource, "SELECT client_tools -> 0 -> 'function' ->> 'name' FROM pending_tool_state WHERE conversation_id = $1", id));

        var finished = await client.ResumeAsync(conversation, "user-a", [new { call_id = "call_2", result = new { timezone = "Europe/Lisbon" } }]);

        Assert.Equal("done", finished.LastEvent);
        Assert.Contains("Europe/Lisbon", finished.Answer, StringComparison.Ordinal);
        Assert.Equal(1, _tools.Runs);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Fact]
    public async Task LegacyId_AConversationMigratedFromMongoDb_StreamsAndResumesByItsObjectId()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var legacyId = TestData.NewLegacyId();
        var conversation = await client.CreateConversationAsync("user-a", legacyId);

        var paused = await client.StreamAsync(legacyId, "user-a");
        Assert.Equal("tool_approval_required", paused.LastEvent);
        Assert.Equal(conversation, paused.LastData.GetProperty("conversation_id").GetString());
        Assert.Equal(1, await RowsAsync(conversation));

        var resumed = await client.ResumeAsync(legacyId, "user-a", AgentClient.Approve);

        Assert.Equal("done", resumed.LastEvent);
        Assert.Equal(0, await RowsAsync(conversation));
    }

    [Fact]
    public async Task Pending_ShowsThePauseUntilItIsResumed()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var (status, body) = await client.GetPendingAsync(conversation, "user-a");
        Assert.Equal(HttpStatusCode.OK, status);
        using var pause = JsonDocument.Parse(body);
        Assert.Equal("tool_approval_required", pause.RootElement.GetProperty("kind").GetString());
        Assert.Equal("send_email", pause.RootElement.GetProperty("pending_tool_calls")[0].GetProperty("name").GetString());
        Assert.True(pause.RootElement.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(25));

        await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetPendingAsync(conversation, "user-a")).Status);
    }

    [Theory]
    [InlineData("""[{"call_id": "call_9", "decision": "approve"}]""")]
    [InlineData("""[{"call_id": "call_1", "decision": "maybe"}]""")]
    [InlineData("""[{"call_id": "call_1", "decision": "approve"}, {"call_id": "call_1", "decision": "deny"}]""")]
    public async Task Resume_WithActionsThatDoNotFitThePause_Returns400AndLeavesItResumable(string actions)
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var rejected = await client.ResumeAsync(conversation, "user-a", JsonSerializer.Deserialize<object[]>(actions)!);

        Assert.Equal(HttpStatusCode.BadRequest, rejected.Status);
        Assert.Equal(0, _tools.Runs);
        var id = Guid.Parse(conversation);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", id));
        Assert.Equal("done", (await client.ResumeAsync(conversation, "user-a", AgentClient.Approve)).LastEvent);
    }

    [Fact]
    public async Task Resume_WithoutActions_Returns400WithoutClaiming()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var rejected = await client.ResumeAsync(conversation, "user-a", []);

        Assert.Equal(HttpStatusCode.BadRequest, rejected.Status);
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT status = 'pending' AND resumed_at IS NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    private Task<long> RowsAsync(string conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
}
