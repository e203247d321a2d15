using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Resumes;

/// <summary>
/// A claim whose answer was lost (a failover, a timeout) is given back to the caller that chose its token, and to
/// nobody else: the tools still run once, and the pause does not wait out the stale-claim grace.
/// </summary>
public sealed class ClaimTokenTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ARetryWithTheSameToken_GetsTheSameClaimAgain_AndCanCompleteIt()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var token = Guid.NewGuid();
        var lost = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", token);

        var again = await db.CreateService().ClaimForResumeAsync(conversation, "user-a", "resume-1", token);

        Assert.Equal(ResumeClaimStatus.Claimed, again.Status);
        Assert.Equal(token, again.State!.ClaimToken);
        Assert.Equal(lost.State!.ResumedAt, again.State.ResumedAt);
        Assert.Equal(lost.State.Id, again.State.Id);
        Assert.Equal(lost.State.Messages.GetRawText(), again.State.Messages.GetRawText());
        Assert.Equal("resume-1", again.State.ResumeId);
        Assert.True(await service.CompleteResumeAsync(again.State, new { answer = 42 }));
        var afterwards = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", token);
        Assert.Equal(ResumeClaimStatus.Completed, afterwards.Status);
        Assert.Equal(42, afterwards.Receipt!.Outcome!.Value.GetProperty("answer").GetInt32());
    }

    [Fact]
    public async Task EveryoneElse_StillSeesTheClaimInProgress()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var token = Guid.NewGuid();
        await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", token);

        Assert.Equal(ResumeClaimStatus.InProgress, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).Status);
        Assert.Equal(ResumeClaimStatus.InProgress, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", Guid.NewGuid())).Status);
        Assert.Equal(ResumeClaimStatus.InProgressByAnotherResume, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-2", token)).Status);
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-b", "resume-1", token)).Status);
        await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task ConcurrentClaimsWithTheirOwnTokens_ExactlyOneWins()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => service.ClaimForResumeAsync(conversation, "user-a", "resume-1", Guid.NewGuid())));

        Assert.Single(claims, c => c.Status == ResumeClaimStatus.Claimed);
        Assert.All(claims.Where(c => c.Status != ResumeClaimStatus.Claimed), c => Assert.Equal(ResumeClaimStatus.InProgress, c.Status));
    }

    [Fact]
    public async Task AfterARelease_TheSameTokenClaimsAFreshClaim()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var token = Guid.NewGuid();
        var first = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", token);
        Assert.True(await service.ReleaseClaimAsync(first.State!));

        var second = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1", token);

        Assert.Equal(ResumeClaimStatus.Claimed, second.Status);
        Assert.True(second.State!.ResumedAt > first.State!.ResumedAt);
        Assert.False(await service.DeleteStateAsync(first.State));
        Assert.True(await service.CompleteResumeAsync(second.State));
    }

    [Fact]
    public async Task AnEmptyToken_IsAnArgumentError_BeforeAnythingIsSent()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        using var counter = new CommandCounter(db.DatabaseName);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => service.ClaimForResumeAsync(conversation, "user-a", "resume-1", Guid.Empty));

        Assert.Equal("claimToken", error.ParamName);
        Assert.Equal(0, counter.Count);
        Assert.Equal(PendingToolStateStatus.Pending, (await service.LoadStateAsync(conversation, "user-a"))!.Status);
    }

    private async Task<string> PausedAsync(ContinuationService service)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        return conversation;
    }
}
