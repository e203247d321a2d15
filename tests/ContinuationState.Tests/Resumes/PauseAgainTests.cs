using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Resumes;

/// <summary>A resume that pauses again completes its claim and saves the new pause as one fenced statement.</summary>
public sealed class PauseAgainTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task UnderAResumeId_TheNewPauseIsLive_AndARetryOfThatIdGetsTheReceipt_NotTheNewPause()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");

        Assert.True(await service.CompleteAndPauseAgainAsync(claim.State!, TestData.Snapshot("second pause"), new { answer = "asked again" }));

        var live = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("second pause", live!.Messages[0].GetProperty("content").GetString());
        Assert.Equal(PendingToolStateStatus.Pending, live.Status);
        Assert.Null(live.ClaimToken);
        Assert.Null(live.ResumeId);
        Assert.Equal(claim.State!.Id, live.Id);
        var retry = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.Equal(ResumeClaimStatus.Completed, retry.Status);
        Assert.Equal("asked again", retry.Receipt!.Outcome!.Value.GetProperty("answer").GetString());
        var next = await service.ClaimForResumeAsync(conversation, "user-a", "resume-2");
        Assert.Equal(ResumeClaimStatus.Claimed, next.Status);
        Assert.Equal("second pause", next.State!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task TheNewPause_GetsItsOwnTtl_StampedByTheDatabaseClock()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var claimed = await service.ClaimStateAsync(conversation, "user-a");

        Assert.True(await service.CompleteAndPauseAgainAsync(claimed!, TestData.Snapshot("second"), ttl: TimeSpan.FromMinutes(7)));

        var live = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal(TimeSpan.FromMinutes(7), live!.ExpiresAt - live.CreatedAt);
        Assert.True(live.CreatedAt >= claimed!.ResumedAt);
        Assert.Equal(0, await ReceiptsFor(conversation));
    }

    [Fact]
    public async Task AfterTheClaimWasRevertedAndRetaken_IsFencedOut_AndChangesNothing()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var stale = (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).State!;
        Assert.Equal(1, await service.RevertStaleResumingAsync(TimeSpan.Zero));
        var current = (await service.ClaimForResumeAsync(conversation, "user-a", "resume-2")).State!;
        var before = await RowTextAsync(conversation);

        Assert.False(await service.CompleteAndPauseAgainAsync(stale, TestData.Snapshot("from the stale worker"), new { answer = "stale" }));

        Assert.Equal(before, await RowTextAsync(conversation));
        Assert.Equal(0, await CompletedReceiptsFor(conversation));
        Assert.True(await service.CompleteAndPauseAgainAsync(current, TestData.Snapshot("from the current worker")));
    }

    [Fact]
    public async Task TwoCallersWithTheSameClaim_ExactlyOneSavesItsPause()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var claimed = (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).State!;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => service.CompleteAndPauseAgainAsync(claimed, TestData.Snapshot($"pause {i}"))));

        var winner = Assert.Single(results.Select((won, i) => (won, i)), r => r.won);
        Assert.Equal($"pause {winner.i}", (await service.LoadStateAsync(conversation, "user-a"))!.Messages[0].GetProperty("content").GetString());
        Assert.Equal(1, await StatesFor(conversation));
        Assert.Equal(1, await CompletedReceiptsFor(conversation));
    }

    [Fact]
    public async Task ANewPauseJsonbCannotHold_IsRefusedBeforeAnythingIsSent_AndTheClaimStaysHeld()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var claimed = (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).State!;
        var before = await RowTextAsync(conversation);

        var error = await Assert.ThrowsAsync<ContinuationJsonException>(
            () => service.CompleteAndPauseAgainAsync(claimed, TestData.Snapshot() with { AgentConfig = new { temperature = double.NaN } }));

        Assert.StartsWith("$.agent_config", error.JsonPath, StringComparison.Ordinal);
        Assert.Equal(before, await RowTextAsync(conversation));
        Assert.True(await service.CompleteAndPauseAgainAsync(claimed, TestData.Snapshot("fixed")));
    }

    [Fact]
    public async Task AStateThatDidNotComeFromAClaim_IsAnArgumentError()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service, "first pause");
        var loaded = await service.LoadStateAsync(conversation, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => service.CompleteAndPauseAgainAsync(loaded!, TestData.Snapshot("x")));

        Assert.Equal("claimed", error.ParamName);
        Assert.Equal(PendingToolStateStatus.Pending, (await service.LoadStateAsync(conversation, "user-a"))!.Status);
    }

    private async Task<string> PausedAsync(ContinuationService service, string marker)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(marker));
        return conversation;
    }

    private Task<string?> RowTextAsync(string conversation)
        => TestData.ScalarAsync<string>(db.DataSource, "SELECT p::text FROM pending_tool_state AS p WHERE conversation_id = $1", Guid.Parse(conversation));

    private Task<long> StatesFor(string conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

    private Task<long> ReceiptsFor(string conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM resume_receipts WHERE conversation_id = $1", Guid.Parse(conversation));

    private Task<long> CompletedReceiptsFor(string conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM resume_receipts WHERE conversation_id = $1 AND status = 'completed'", Guid.Parse(conversation));
}
