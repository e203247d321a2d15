using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Resumes;

/// <summary>A retried resume gets the first one's outcome, never a second run.</summary>
public sealed class IdempotentResumeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task RetriesWhileTheFirstRuns_AreInProgress_ThenCompleted_AndANewIdFindsNothing()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);

        var first = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.Equal(ResumeClaimStatus.Claimed, first.Status);
        Assert.NotNull(first.State!.ClaimToken);
        Assert.Equal("resume-1", first.State.ResumeId);

        var retries = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => service.ClaimForResumeAsync(conversation, "user-a", "resume-1")));
        Assert.All(retries, r =>
        {
            Assert.Equal(ResumeClaimStatus.InProgress, r.Status);
            Assert.Null(r.State);
            Assert.Equal(first.ClaimedAt, r.ClaimedAt);
        });

        Assert.True(await service.CompleteResumeAsync(first.State, new { answer_message_id = "msg-42" }));

        var after = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => service.ClaimForResumeAsync(conversation, "user-a", "resume-1")));
        Assert.All(after, r =>
        {
            Assert.Equal(ResumeClaimStatus.Completed, r.Status);
            Assert.Equal("resume-1", r.Receipt!.ResumeId);
            Assert.Equal("msg-42", r.Receipt.Outcome!.Value.GetProperty("answer_message_id").GetString());
        });
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-2")).Status);
        Assert.Equal(0, await StatesFor(conversation));
    }

    [Fact]
    public async Task AnotherResumeId_WhileTheFirstRuns_IsInProgressByAnotherResume_WithTheConstantMessage()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");

        var other = await service.ClaimForResumeAsync(conversation, "user-a", "resume-2");

        Assert.Equal(ResumeClaimStatus.InProgressByAnotherResume, other.Status);
        Assert.Equal(ResumeInProgressException.DefaultMessage, other.Message);
        Assert.Null(other.State);
        await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task AClaimWithoutAResumeId_IsAnotherResume_ForAnyResumeId()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        await service.ClaimStateAsync(conversation, "user-a");

        Assert.Equal(ResumeClaimStatus.InProgressByAnotherResume, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).Status);
    }

    [Theory]
    [InlineData("fenced")]
    [InlineData("by-id")]
    [InlineData("stale")]
    public async Task ReleasedOrRevertedClaim_LeavesNoReceipt_AndTheSameIdClaimsAgain(string how)
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var first = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");

        switch (how)
        {
            case "fenced":
                Assert.True(await service.ReleaseClaimAsync(first.State!));
                break;
            case "by-id":
                Assert.True(await service.ReleaseClaimAsync(conversation, "user-a"));
                break;
            default:
                await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = resumed_at - interval '11 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));
                Assert.True(await service.RevertStaleResumingAsync() >= 1);
                break;
        }

        Assert.Equal(0, await ReceiptsFor(conversation));
        var again = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.Equal(ResumeClaimStatus.Claimed, again.Status);
        Assert.NotEqual(first.State!.ClaimToken, again.State!.ClaimToken);
    }

    [Fact]
    public async Task CompletionWithAStaleToken_IsFencedOut_NoReceiptAndNothingLost()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var stalled = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = resumed_at - interval '11 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));
        await service.RevertStaleResumingAsync();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("new pause"));

        Assert.False(await service.CompleteResumeAsync(stalled.State!, new { answer = "late" }));

        Assert.Equal(0, await ReceiptsFor(conversation));
        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("new pause", state!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task ACompletedResumeId_NeverClaimsALaterPause()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var first = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.True(await service.CompleteResumeAsync(first.State!));
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("second pause"));

        Assert.Equal(ResumeClaimStatus.Completed, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).Status);
        Assert.NotNull(await service.LoadStateAsync(conversation, "user-a"));
        Assert.Equal(ResumeClaimStatus.Claimed, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-2")).Status);
    }

    [Fact]
    public async Task AResumeIdWhoseClaimEndedWithoutCompleting_NeverClaimsALaterPause()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var first = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        // Finished with a plain fenced delete instead of CompleteResumeAsync: no receipt, but the key was used.
        Assert.True(await service.DeleteStateAsync(first.State!));
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("second pause"));

        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).Status);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.Equal(ResumeClaimStatus.Claimed, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-2")).Status);
    }

    [Fact]
    public async Task Completion_WritesTheReceipt_EvenIfTheRunningRecordWasPurgedMeanwhile()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        // The resume outlived the receipt retention: the purge took its running record.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE resume_receipts SET claimed_at = claimed_at - interval '2 days' WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.True(await service.PurgeExpiredReceiptsAsync() >= 1);

        Assert.True(await service.CompleteResumeAsync(claim.State!, new { answer = "done" }));

        var retry = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.Equal(ResumeClaimStatus.Completed, retry.Status);
        Assert.Equal("done", retry.Receipt!.Outcome!.Value.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task CompletionRacingThePurge_EitherCompletesOrIsPurgedAndReported_NeverBoth()
    {
        var service = db.CreateService();
        for (var round = 0; round < 20; round++)
        {
            await TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state");
            var conversation = await PausedAsync(service);
            var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
            // The claim outlived its grace and its TTL: the purge may take it at any moment.
            await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));

            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var complete = Task.Run(async () => { await gate.Task; return await service.CompleteResumeAsync(claim.State!, new { n = round }); });
            var purge = Task.Run(async () => { await gate.Task; return await service.PurgeExpiredAsync(); });
            gate.SetResult();
            var (completed, purged) = (await complete, await purge);

            var reported = purged.Any(p => p.ConversationId == Guid.Parse(conversation));
            Assert.True(completed ^ reported, $"round {round}: completed={completed}, purge reported={reported}");
            Assert.Equal(completed ? 1 : 0, await CompletedReceiptsFor(conversation));
            Assert.Equal(0, await StatesFor(conversation));
        }
    }

    [Fact]
    public async Task OtherUser_WithTheOwnersConversationAndResumeId_LearnsNothing()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);

        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-b", "resume-1")).Status);
        var running = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-b", "resume-1")).Status);
        await service.CompleteResumeAsync(running.State!, new { answer = "secret" });
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-b", "resume-1")).Status);
    }

    [Fact]
    public async Task ReceiptsPastRetention_ArePurged_AndTheRetryFindsNothing()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");
        await service.CompleteResumeAsync(claim.State!);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE resume_receipts SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(conversation, "user-a", "resume-1")).Status);
        Assert.True(await service.PurgeExpiredReceiptsAsync() >= 1);
        Assert.Equal(0, await ReceiptsFor(conversation));
    }

    [Fact]
    public async Task Completion_UsesTheConfiguredRetention()
    {
        var service = db.CreateService(o => o.ReceiptRetention = TimeSpan.FromHours(2));
        var conversation = await PausedAsync(service);
        var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");

        await service.CompleteResumeAsync(claim.State!);

        var kept = await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - completed_at FROM resume_receipts WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.Equal(TimeSpan.FromHours(2), kept);
    }

    [Fact]
    public async Task Receipts_HoldNoPayload_AndAnOversizedOutcomeChangesNothing()
    {
        var service = db.CreateService(o => o.MaxReceiptOutcomeBytes = 100);
        var conversation = await PausedAsync(service);
        var claim = await service.ClaimForResumeAsync(conversation, "user-a", "resume-1");

        await Assert.ThrowsAsync<StateTooLargeException>(() => service.CompleteResumeAsync(claim.State!, new { text = new string('x', 500) }));

        Assert.Equal("resuming", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        var columns = await TestData.ScalarAsync<string>(db.DataSource, "SELECT string_agg(column_name::text, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'resume_receipts'");
        Assert.Equal("claimed_at,completed_at,conversation_id,expires_at,outcome,resume_id,status,user_id", columns);
    }

    [Fact]
    public async Task CompletingAStateClaimedWithoutAResumeId_ThrowsArgumentException()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);
        var claimed = await service.ClaimStateAsync(conversation, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => service.CompleteResumeAsync(claimed!));

        Assert.Equal("claimed", error.ParamName);
        Assert.Equal(1, await StatesFor(conversation));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("nul\0key")]
    public async Task BadResumeId_ThrowsArgumentException_AndClaimsNothing(string? resumeId)
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => service.ClaimForResumeAsync(conversation, "user-a", resumeId!));

        Assert.Equal("resumeId", error.ParamName);
        Assert.NotNull(await service.LoadStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task ResumeIdOf201Characters_ThrowsArgumentException_200AreAccepted()
    {
        var service = db.CreateService();
        var conversation = await PausedAsync(service);

        await Assert.ThrowsAsync<ArgumentException>(() => service.ClaimForResumeAsync(conversation, "user-a", new string('k', 201)));
        Assert.Equal(ResumeClaimStatus.Claimed, (await service.ClaimForResumeAsync(conversation, "user-a", new string('k', 200))).Status);
    }

    [Fact]
    public async Task LegacyIds_WorkForIdempotentResume()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot());

        var claim = await service.ClaimForResumeAsync(legacy, "user-a", "resume-1");
        await service.CompleteResumeAsync(claim.State!);

        Assert.Equal(ResumeClaimStatus.Completed, (await service.ClaimForResumeAsync(legacy, "user-a", "resume-1")).Status);
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync("not-an-id", "user-a", "resume-1")).Status);
    }

    private async Task<string> PausedAsync(ContinuationService service)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        return conversation;
    }

    private async Task<long> StatesFor(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

    private async Task<long> ReceiptsFor(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM resume_receipts WHERE conversation_id = $1", Guid.Parse(conversation));

    private async Task<long> CompletedReceiptsFor(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM resume_receipts WHERE conversation_id = $1 AND status = 'completed'", Guid.Parse(conversation));
}
