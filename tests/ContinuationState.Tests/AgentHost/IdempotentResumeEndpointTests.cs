using System.Net;
using System.Text.Json;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

/// <summary>POST /conversations/{id}/resume with an Idempotency-Key: a retry gets the first outcome, never a second run.</summary>
public sealed class IdempotentResumeEndpointTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TestToolExecutor _tools = new();

    [Fact]
    public async Task RetriedResume_Gets202WhileTheFirstRuns_ThenTheFirstOutcome_AndTheToolRunsOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _tools.Behaviour = async (call, cancellationToken) =>
        {
            running.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
            return TestToolExecutor.Sent(call);
        };
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var first = client.ResumeWithKeyAsync(conversation, "user-a", AgentClient.Approve, "key-1");
        await running.Task.WaitAsync(Deadline);
        var whileRunning = await client.ResumeWithKeyAsync(conversation, "user-a", AgentClient.Approve, "key-1");
        var otherKey = await client.ResumeWithKeyAsync(conversation, "user-a", AgentClient.Approve, "key-2");
        gate.SetResult();
        var answered = await first.WaitAsync(Deadline);
        var afterwards = await client.ResumeWithKeyAsync(conversation, "user-a", AgentClient.Approve, "key-1");

        Assert.Equal(HttpStatusCode.Accepted, whileRunning.Status);
        Assert.Equal("in_progress", JsonDocument.Parse(whileRunning.Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, otherKey.Status);
        Assert.Equal("done", answered.LastEvent);
        Assert.Equal(HttpStatusCode.OK, afterwards.Status);
        var receipt = JsonDocument.Parse(afterwards.Body).RootElement;
        Assert.Equal("completed", receipt.GetProperty("status").GetString());
        Assert.Equal(answered.LastData.GetProperty("answer").GetString(), receipt.GetProperty("outcome").GetProperty("answer").GetString());
        Assert.Equal(1, _tools.Runs);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task ResumeWithAKey_FromAnotherUser_Is404()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var stranger = await client.ResumeWithKeyAsync(conversation, "user-b", AgentClient.Approve, "key-1");

        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);
        Assert.Equal(0, _tools.Runs);
    }
}
