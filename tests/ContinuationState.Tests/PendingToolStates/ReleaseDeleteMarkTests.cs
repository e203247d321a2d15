using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

public sealed class ReleaseDeleteMarkTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Release_ClaimedState_MakesItPendingAndClaimableAgain()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.True(await service.ReleaseClaimAsync(conversation, "user-a"));

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.NotNull(state);
        Assert.Equal(PendingToolStateStatus.Pending, state.Status);
        Assert.Null(state.ResumedAt);
        Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task Release_NearlyExpiredClaim_ExtendsTheTtl()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '5 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.True(await service.ReleaseClaimAsync(conversation, "user-a", TimeSpan.FromMinutes(20)));

        var remaining = await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - clock_timestamp() FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.InRange(remaining, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));
    }

    [Fact]
    public async Task Release_NeverShortensALongerTtl()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(), TimeSpan.FromHours(5));
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.True(await service.ReleaseClaimAsync(conversation, "user-a", TimeSpan.FromMinutes(1)));

        var remaining = await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - clock_timestamp() FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.True(remaining > TimeSpan.FromHours(4.9), $"remaining {remaining}");
    }

    [Fact]
    public async Task Release_PendingState_ReturnsFalseAndChangesNothing()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        var before = await TestData.ScalarAsync<DateTime>(db.DataSource, "SELECT expires_at FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.False(await service.ReleaseClaimAsync(conversation, "user-a", TimeSpan.FromDays(2)));

        var after = await TestData.ScalarAsync<DateTime>(db.DataSource, "SELECT expires_at FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Release_DeletedState_ReturnsFalseAndDoesNotBringItBack()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");
        await service.DeleteStateAsync(conversation, "user-a");

        Assert.False(await service.ReleaseClaimAsync(conversation, "user-a"));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Delete_RemovesTheRowWhateverItsStatus()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.True(await service.DeleteStateAsync(conversation, "user-a"));
        Assert.False(await service.DeleteStateAsync(conversation, "user-a"));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task MarkResuming_FlipsLivePendingStateOnce()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        Assert.True(await service.MarkResumingAsync(conversation, "user-a"));
        Assert.False(await service.MarkResumingAsync(conversation, "user-a"));

        Assert.Equal("resuming", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT resumed_at IS NOT NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task MarkResuming_ExpiredState_ReturnsFalse()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.False(await service.MarkResumingAsync(conversation, "user-a"));
    }
}
