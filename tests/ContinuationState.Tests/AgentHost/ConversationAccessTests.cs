using System.Net;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

/// <summary>Who may touch what: 401 without a user; the same 404 for "not yours", "no such" and "nothing to resume".</summary>
public sealed class ConversationAccessTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly TestToolExecutor _tools = new();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task EveryConversationRoute_WithoutAUser_Returns401(string? user)
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");

        var answers = new[]
        {
            await client.SendAsync(HttpMethod.Post, "/conversations", user, new { name = "x" }),
            await client.SendAsync(HttpMethod.Post, $"/conversations/{conversation}/stream", user, new { message = "hi" }),
            await client.SendAsync(HttpMethod.Post, $"/conversations/{conversation}/resume", user, new { actions = AgentClient.Approve }),
            await client.SendAsync(HttpMethod.Get, $"/conversations/{conversation}/pending", user, null),
        };

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode));
        Assert.Equal(1, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM conversations WHERE id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Create_ReturnsTheConversationOwnedByTheUser()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();

        var conversation = await client.CreateConversationAsync("user-a");

        Assert.Equal("user-a", await TestData.ScalarAsync<string>(db.DataSource, "SELECT user_id FROM conversations WHERE id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Create_WithALegacyIdThatIsNotAnObjectId_Returns400()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();

        using var answer = await client.SendAsync(HttpMethod.Post, "/conversations", "user-a", new { legacy_id = "not-an-object-id" });

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
    }

    [Fact]
    public async Task AnotherUsersConversation_AnswersEveryRouteLikeOneThatDoesNotExist_AndLeavesTheOwnersPause()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");
        var missing = Guid.NewGuid().ToString();

        var theirs = await AnswersAsync(client, conversation, "user-b");
        var nobodys = await AnswersAsync(client, missing, "user-b");

        Assert.All(theirs, answer => Assert.Equal(HttpStatusCode.NotFound, answer.Status));
        Assert.Equal(nobodys, theirs);
        Assert.Equal(0, _tools.Runs);
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT status = 'pending' AND resumed_at IS NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.Equal("done", (await client.ResumeAsync(conversation, "user-a", AgentClient.Approve)).LastEvent);
    }

    [Fact]
    public async Task AnotherUsersLegacyConversation_Returns404()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var legacyId = TestData.NewLegacyId();
        await client.CreateConversationAsync("user-a", legacyId);
        await client.StreamAsync(legacyId, "user-a");

        var answers = await AnswersAsync(client, legacyId, "user-b");

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.NotFound, answer.Status));
        Assert.Equal(0, _tools.Runs);
    }

    [Theory]
    [InlineData("not-a-conversation")]
    [InlineData("{00000000-0000-0000-0000-000000000000}")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public async Task AnIdThatIsNeitherAUuidNorAnObjectId_Returns404(string id)
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();

        var answers = await AnswersAsync(client, Uri.EscapeDataString(id), "user-a");

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.NotFound, answer.Status));
    }

    [Fact]
    public async Task Resume_WithNoPause_Returns404()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");

        var answer = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal((await AnswersAsync(client, Guid.NewGuid().ToString(), "user-a"))[1].Body, answer.Body);
    }

    [Fact]
    public async Task Resume_AnExpiredPause_Returns404AndRunsNothing()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));

        var answer = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetPendingAsync(conversation, "user-a")).Status);
        Assert.Equal(0, _tools.Runs);
    }

    /// <summary>Status and body of stream, resume and pending for one id and user.</summary>
    private static async Task<(HttpStatusCode Status, string Body)[]> AnswersAsync(AgentClient client, string conversation, string user)
    {
        var stream = await client.StreamAsync(conversation, user);
        var resume = await client.ResumeAsync(conversation, user, AgentClient.Approve);
        var pending = await client.GetPendingAsync(conversation, user);
        return [(stream.Status, stream.Body), (resume.Status, resume.Body), pending];
    }
}
