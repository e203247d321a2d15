using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Reliability;

/// <summary>
/// The races DocsGPT's SQL leaves open around TTLs. Time "passes" by moving every timestamp of the row back by the
/// same amount, which is what the database clock moving forward would do.
/// </summary>
public sealed class ClaimLifetimeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ClaimNearTheEndOfTheTtl_SurvivesThePurgeForTheStaleClaimGrace()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() + interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));
        var claimed = await service.ClaimStateAsync(conversation, "user-a");
        Assert.NotNull(claimed);

        // Nine minutes later, the resume is still running (DocsGPT's claim leaves expires_at 1 s out, so its purge deletes the row).
        await PassTimeAsync(conversation, TimeSpan.FromMinutes(9));
        Assert.Empty(await service.PurgeExpiredAsync());

        // (Moving resumed_at back to simulate time also moves it off the claim's fence, so delete by id.)
        Assert.True(await service.DeleteStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task ClaimAbandonedPastTheGrace_IsRevertedWithALiveTtl_NotPurged()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() + interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));
        await service.ClaimStateAsync(conversation, "user-a");

        await PassTimeAsync(conversation, TimeSpan.FromMinutes(11));
        Assert.Equal(1, await service.RevertStaleResumingAsync());
        Assert.Empty(await service.PurgeExpiredAsync());

        Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task MarkResuming_AlsoKeepsTheRowAliveForTheGrace()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() + interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.True(await service.MarkResumingAsync(conversation, "user-a"));

        await PassTimeAsync(conversation, TimeSpan.FromMinutes(9));

        Assert.Empty(await service.PurgeExpiredAsync());
    }

    [Fact]
    public async Task Claim_NeverShortensALongerTtl()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(), TimeSpan.FromHours(3));

        var claimed = await service.ClaimStateAsync(conversation, "user-a");

        Assert.True(claimed!.ExpiresAt - claimed.CreatedAt >= TimeSpan.FromHours(3));
    }

    private Task PassTimeAsync(string conversation, TimeSpan elapsed) => TestData.ExecuteAsync(
        db.DataSource,
        "UPDATE pending_tool_state SET created_at = created_at - $2, expires_at = expires_at - $2, resumed_at = resumed_at - $2 WHERE conversation_id = $1",
        Guid.Parse(conversation),
        elapsed);
}
