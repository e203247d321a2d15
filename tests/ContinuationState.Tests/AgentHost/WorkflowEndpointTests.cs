using System.Net;
using System.Text.Json;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.AgentHost;

/// <summary>The sample's workflow routes: a deployment paused for approval, approved on a new host process, run once.</summary>
public sealed class WorkflowEndpointTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task APausedDeployment_ApprovedTwiceAtOnceOnANewHost_DeploysOnce_AndARetryGetsTheReceipt()
    {
        string conversation, requestId;
        await using (var first = new AgentHostFactory(db.ConnectionString, new TestToolExecutor()))
        {
            using var client = first.CreateAgentClient();
            using var started = await client.SendAsync(HttpMethod.Post, "/workflows/deploy", "user-a", new { target = "api v2" });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var body = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement;
            conversation = body.GetProperty("conversation_id").GetString()!;
            requestId = body.GetProperty("requests")[0].GetProperty("request_id").GetString()!;
        }

        await using var second = new AgentHostFactory(db.ConnectionString, new TestToolExecutor());
        using var replica = second.CreateAgentClient();
        var approvals = await Task.WhenAll(new[] { "tab-1", "tab-2" }.Select(key => ApproveAsync(replica, conversation, "user-a", requestId, key)));
        var stranger = await ApproveAsync(replica, conversation, "user-b", requestId, "tab-3");
        var winner = Assert.Single(approvals, a => a.Status == HttpStatusCode.OK);
        var retry = await ApproveAsync(replica, conversation, "user-a", requestId, winner.Key);

        // The other approval found the claim held (409) or, if the first had already finished, no pause left (404);
        // either way it ran nothing (the held-claim case is pinned down with a gate in WorkflowPauseTests).
        Assert.Contains(approvals.Single(a => a.Status != HttpStatusCode.OK).Status, new[] { HttpStatusCode.Conflict, HttpStatusCode.NotFound });
        Assert.Equal("deployed api v2", JsonDocument.Parse(winner.Body).RootElement.GetProperty("outputs")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);
        Assert.Equal("completed", JsonDocument.Parse(retry.Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(1L, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM sample_deployments WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task AnAnswerToARequestTheWorkflowDidNotAsk_Is400_AndThePauseStays()
    {
        await using var host = new AgentHostFactory(db.ConnectionString, new TestToolExecutor());
        using var client = host.CreateAgentClient();
        using var started = await client.SendAsync(HttpMethod.Post, "/workflows/deploy", "user-a", new { target = "db" });
        var conversation = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("conversation_id").GetString()!;

        var forged = await ApproveAsync(client, conversation, "user-a", "forged", "key-1");

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.Equal(0L, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM sample_deployments WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    private static async Task<(HttpStatusCode Status, string Body, string Key)> ApproveAsync(AgentClient client, string conversation, string user, string requestId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workflows/{conversation}/approve")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { request_id = requestId, answer = "approve" }),
        };
        request.Headers.Add("X-User-Id", user);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), key);
    }
}
