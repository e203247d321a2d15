using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

public sealed class ClaimTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Claim_LivePendingState_ReturnsItAsResumingAndStampsResumedAt()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("claim me"));

        var claimed = await service.ClaimStateAsync(conversation, "user-a");

        Assert.NotNull(claimed);
        Assert.Equal(PendingToolStateStatus.Resuming, claimed.Status);
        Assert.NotNull(claimed.ResumedAt);
        Assert.Equal("claim me", claimed.Messages[0].GetProperty("content").GetString());
        var stored = await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.Equal("resuming", stored);
    }

    [Fact]
    public async Task Claim_WhenAnotherClaimIsActive_ThrowsResumeInProgressWithTheConstantMessage()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");

        var error = await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, "user-a"));

        Assert.Equal("Resume already in progress for this conversation.", error.Message);
        Assert.Equal(ResumeInProgressException.DefaultMessage, error.Message);
    }

    [Fact]
    public async Task Claim_ExpiredState_ReturnsNullAndLeavesItPending()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Null(await service.ClaimStateAsync(conversation, "user-a"));
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Claim_NoState_ReturnsNull()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        Assert.Null(await service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task Claim_ManyConcurrentCallers_ExactlyOneWins()
    {
        var service = db.CreateService();
        for (var round = 0; round < 10; round++)
        {
            var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
            await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

            var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                try
                {
                    return await service.ClaimStateAsync(conversation, "user-a") is null ? "none" : "won";
                }
                catch (ResumeInProgressException)
                {
                    return "in-progress";
                }
            }));

            Assert.Equal(1, outcomes.Count(o => o == "won"));
            // The row is locked before it is read, so a loser always sees the winner's committed claim.
            Assert.Equal(15, outcomes.Count(o => o == "in-progress"));
        }
    }
}
