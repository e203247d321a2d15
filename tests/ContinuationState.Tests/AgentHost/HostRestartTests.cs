using System.Net;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

public sealed class HostRestartTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Restart_ANewHostOverTheSameDatabaseResumesWhatTheOldOnePaused()
    {
        var tools = new TestToolExecutor();
        string conversation;
        await using (var before = new AgentHostFactory(db.ConnectionString, tools))
        {
            using var client = before.CreateAgentClient();
            conversation = await client.CreateConversationAsync("user-a");
            Assert.Equal("tool_approval_required", (await client.StreamAsync(conversation, "user-a")).LastEvent);
        }

        await using var after = new AgentHostFactory(db.ConnectionString, tools);
        using var restarted = after.CreateAgentClient();
        Assert.Equal(HttpStatusCode.OK, (await restarted.GetPendingAsync(conversation, "user-a")).Status);

        var resumed = await restarted.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal("done", resumed.LastEvent);
        Assert.Equal(1, tools.Runs);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Healthz_WithTheDatabaseReachableAndMigrated_Returns200()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, new TestToolExecutor());
        using var client = host.CreateClient();

        using var answer = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("Healthy", await answer.Content.ReadAsStringAsync());
    }
}
