using System.Net;
using System.Text.Json;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

public sealed class ResumeClaimTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TestToolExecutor _tools = new();

    [Fact]
    public async Task Resume_TwoAtOnce_ExactlyOneStreamsTheAnswerAndTheOtherGets409WithTheConstantMessage()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _tools.Behaviour = async (call, cancellationToken) =>
        {
            await gate.Task.WaitAsync(cancellationToken);
            return TestToolExecutor.Sent(call);
        };
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var first = client.ResumeAsync(conversation, "user-a", AgentClient.Approve);
        var second = client.ResumeAsync(conversation, "user-a", AgentClient.Approve);
        // The winner holds the claim at the gate, so the request that finishes first is the loser.
        var finishedFirst = await Task.WhenAny(first, second).WaitAsync(Deadline);
        var loser = await finishedFirst;
        gate.SetResult();
        var winner = await (finishedFirst == first ? second : first).WaitAsync(Deadline);

        Assert.Equal(HttpStatusCode.Conflict, loser.Status);
        Assert.Equal(ResumeInProgressException.DefaultMessage, JsonDocument.Parse(loser.Body).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, winner.Status);
        Assert.Equal("done", winner.LastEvent);
        Assert.Equal(1, _tools.Runs);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Resume_WhenTheToolFailsMidWay_ReportsAnErrorAndReleasesTheClaimSoARetrySucceeds()
    {
        var failures = 1;
        _tools.Behaviour = (call, _) => Interlocked.Decrement(ref failures) >= 0
            ? throw new InvalidOperationException("SMTP server unavailable")
            : Task.FromResult(TestToolExecutor.Sent(call));
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");

        var failed = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal("error", failed.LastEvent);
        Assert.DoesNotContain("SMTP", failed.Events[^1].Data, StringComparison.Ordinal);
        var id = Guid.Parse(conversation);
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT status = 'pending' AND resumed_at IS NULL FROM pending_tool_state WHERE conversation_id = $1", id));

        var retried = await client.ResumeAsync(conversation, "user-a", AgentClient.Approve);

        Assert.Equal("done", retried.LastEvent);
        Assert.Equal(2, _tools.Runs);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", id));
    }

    [Fact]
    public async Task Resume_WhileAnotherRuns_TheOtherUserGets404NotConflict()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _tools.Behaviour = async (call, cancellationToken) =>
        {
            entered.SetResult();
            await gate.Task.WaitAsync(cancellationToken);
            return TestToolExecutor.Sent(call);
        };
        await using var host = new AgentHostFactory(db.ConnectionString, _tools);
        using var client = host.CreateAgentClient();
        var conversation = await client.CreateConversationAsync("user-a");
        await client.StreamAsync(conversation, "user-a");
        var owner = client.ResumeAsync(conversation, "user-a", AgentClient.Approve);
        await entered.Task.WaitAsync(Deadline);

        var stranger = await client.ResumeAsync(conversation, "user-b", AgentClient.Approve);

        gate.SetResult();
        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);
        Assert.Equal("done", (await owner.WaitAsync(Deadline)).LastEvent);
    }
}
