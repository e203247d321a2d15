using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Reliability;

/// <summary>
/// DocsGPT's delete is unconditional: worker A claims, stalls past the grace period, its claim is reverted, the user
/// resumes through worker B and pauses again, then A finishes and deletes the new pending state. Fenced calls close it.
/// </summary>
public sealed class FencedClaimTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task StalledWorker_FencedDelete_LeavesTheNewPauseIntact()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("first pause"));
        var workerA = await service.ClaimStateAsync(conversation, "user-a");
        Assert.NotNull(workerA);
        Assert.NotNull(workerA.ClaimToken);

        await StallPastGraceAndRevertAsync(service, conversation);
        var workerB = await service.ClaimStateAsync(conversation, "user-a");
        Assert.NotNull(workerB);
        Assert.NotEqual(workerA.ClaimToken, workerB.ClaimToken);
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("second pause"));

        Assert.False(await service.DeleteStateAsync(workerA));
        Assert.False(await service.ReleaseClaimAsync(workerA));

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("second pause", state!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task StalledWorker_FencedDelete_CannotDeleteWhileANewerClaimRuns()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        var workerA = await service.ClaimStateAsync(conversation, "user-a");
        await StallPastGraceAndRevertAsync(service, conversation);
        var workerB = await service.ClaimStateAsync(conversation, "user-a");

        Assert.False(await service.DeleteStateAsync(workerA!));

        Assert.True(await service.DeleteStateAsync(workerB!));
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task CurrentClaim_FencedDeleteAndRelease_Act()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        var first = await service.ClaimStateAsync(conversation, "user-a");
        Assert.True(await service.ReleaseClaimAsync(first!));
        Assert.NotNull(await service.LoadStateAsync(conversation, "user-a"));
        var second = await service.ClaimStateAsync(conversation, "user-a");
        Assert.True(await service.DeleteStateAsync(second!));

        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task ClaimRetakenByAHostThatWritesNoToken_FencesOutTheOldClaim()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        var workerA = await service.ClaimStateAsync(conversation, "user-a");
        // DocsGPT's Python revert and claim, which know nothing of claim_token.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET status = 'pending', resumed_at = NULL WHERE conversation_id = $1", Guid.Parse(conversation));
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET status = 'resuming', resumed_at = clock_timestamp() WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.False(await service.DeleteStateAsync(workerA!));
        Assert.Equal(1, await CountFor(conversation));
    }

    [Fact]
    public async Task FencedCall_WithAStateThatDidNotComeFromAClaim_ThrowsArgumentException()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        var loaded = await service.LoadStateAsync(conversation, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => service.DeleteStateAsync(loaded!));

        Assert.Equal("claimed", error.ParamName);
        Assert.Equal(1, await CountFor(conversation));
    }

    [Fact]
    public async Task FencedCall_WithAnotherUsersState_ActsOnNothing()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        var claimed = await service.ClaimStateAsync(conversation, "user-a");
        var forged = new PendingToolState
        {
            Id = claimed!.Id, ConversationId = claimed.ConversationId, UserId = "user-b",
            Messages = claimed.Messages, PendingToolCalls = claimed.PendingToolCalls, ToolsDict = claimed.ToolsDict,
            ToolSchemas = claimed.ToolSchemas, AgentConfig = claimed.AgentConfig, CreatedAt = claimed.CreatedAt,
            ExpiresAt = claimed.ExpiresAt, Status = claimed.Status, ResumedAt = claimed.ResumedAt, ClaimToken = claimed.ClaimToken,
        };

        Assert.False(await service.DeleteStateAsync(forged));
        Assert.Equal(1, await CountFor(conversation));
    }

    [Fact]
    public async Task UnfencedCalls_KeepDocsGptBehaviour()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");
        await StallPastGraceAndRevertAsync(service, conversation);
        await service.ClaimStateAsync(conversation, "user-a");

        // By conversation id, release and delete act on whatever claim is current, as DocsGPT's do.
        Assert.True(await service.ReleaseClaimAsync(conversation, "user-a"));
        Assert.True(await service.DeleteStateAsync(conversation, "user-a"));
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task EveryWayBackToPending_ClearsTheClaimToken()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        await service.ClaimStateAsync(conversation, "user-a");
        await service.ReleaseClaimAsync(conversation, "user-a");
        Assert.True(await TokenIsNull(conversation));

        await service.ClaimStateAsync(conversation, "user-a");
        await StallPastGraceAndRevertAsync(service, conversation);
        Assert.True(await TokenIsNull(conversation));

        await service.ClaimStateAsync(conversation, "user-a");
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        Assert.True(await TokenIsNull(conversation));
    }

    private async Task StallPastGraceAndRevertAsync(ContinuationService service, string conversation)
    {
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = resumed_at - interval '11 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.True(await service.RevertStaleResumingAsync() >= 1);
    }

    private async Task<bool> TokenIsNull(string conversation)
        => await TestData.ScalarAsync<bool>(db.DataSource, "SELECT claim_token IS NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

    private async Task<long> CountFor(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
}
