using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

/// <summary>User B presents user A's conversation id: every operation answers as if nothing were there.</summary>
public sealed class CrossUserIsolationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task OtherUser_CannotLoadClaimReleaseMarkOrDelete_AndUserAsStateIsUntouched()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, "user-a")).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        Assert.Null(await service.LoadStateAsync(conversation, "user-b"));
        Assert.Null(await service.ClaimStateAsync(conversation, "user-b"));
        Assert.False(await service.MarkResumingAsync(conversation, "user-b"));
        Assert.False(await service.DeleteStateAsync(conversation, "user-b"));

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.NotNull(state);
        Assert.Equal(PendingToolStateStatus.Pending, state.Status);
    }

    [Fact]
    public async Task OtherUser_CannotReleaseOrLearnOfUserAsActiveClaim()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, "user-a")).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.False(await service.ReleaseClaimAsync(conversation, "user-b"));
        // Not ResumeInProgress: that answer would reveal that user A has a resume running.
        Assert.Null(await service.ClaimStateAsync(conversation, "user-b"));
        Assert.False(await service.DeleteStateAsync(conversation, "user-b"));

        Assert.Equal("resuming", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1 AND user_id = 'user-a'", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task TwoUsers_OnOneConversation_KeepSeparateStates()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, "user-a")).ToString();

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("from a"));
        await service.SaveStateAsync(conversation, "user-b", TestData.Snapshot("from b"));
        await service.DeleteStateAsync(conversation, "user-b");

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("from a", state!.Messages[0].GetProperty("content").GetString());
        Assert.Null(await service.LoadStateAsync(conversation, "user-b"));
    }
}
