using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI.Workflows;
using Npgsql;

namespace ContinuationState.Tests.Workflows;

/// <summary>
/// A workflow paused for approval, saved as a pause, claimed and resumed exactly once with the real Workflows 1.28
/// runtime: the framework alone resumes one paused checkpoint as often as it is asked; the claim makes it once.
/// </summary>
public sealed class WorkflowPauseTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-wf";

    [Fact]
    public async Task PausedOnOneInstance_ResumesOnAnother_ToTheOutputOfAnUninterruptedRun()
    {
        var workflow = new ApprovalWorkflow();
        var expected = await new ApprovalWorkflow().RunUninterruptedAsync("ship 1.2", "yes");
        var conversation = await PauseAsync(workflow, "ship 1.2");

        await using var replica = NpgsqlDataSource.Create(db.ConnectionString);
        var service = new ContinuationService(replica, Microsoft.Extensions.Options.Options.Create(new ContinuationStateOptions()));
        var claim = await service.ClaimWorkflowPauseAsync(conversation, User, "resume-1");
        var paused = Assert.IsType<ClaimedWorkflowPause>(claim.Pause);
        var request = Assert.Single(paused.Requests);
        Assert.Equal("approve", request.PortId);
        Assert.Equal("ship 1.2", request.Data!.Value.GetString());
        var result = await service.ResumeWorkflowAsync(paused, workflow.Build(), new PostgresCheckpointStore(replica, User), [request.CreateResponse("yes")]);

        Assert.Equal(WorkflowResumeOutcome.Completed, result.Outcome);
        Assert.Equal(expected, Assert.Single(result.Outputs));
        Assert.Equal(1, workflow.StepRuns);
        Assert.Equal(0L, await PendingRowsAsync(conversation));
    }

    [Fact]
    public async Task TheFrameworkAlone_RunsTheStepAgain_EachTimeAPausedCheckpointIsResumed()
    {
        // The "before": nothing in the framework or the store stops a second resume of the same paused checkpoint.
        var workflow = new ApprovalWorkflow();
        var store = new PostgresCheckpointStore(db.DataSource, User);
        var paused = await workflow.RunToPauseAsync(CheckpointManager.CreateJson(store), "twice");
        var checkpoint = (await store.GetLatestCheckpointAsync(paused.SessionId))!;

        await workflow.ResumeAsync(CheckpointManager.CreateJson(store), checkpoint, "yes");
        await workflow.ResumeAsync(CheckpointManager.CreateJson(store), checkpoint, "yes");

        Assert.Equal(2, workflow.StepRuns);
    }

    [Fact]
    public async Task SixteenConcurrentResumes_RunTheStepOnce_AndARetryOfTheWinnersKeyGetsTheReceipt()
    {
        var workflow = new ApprovalWorkflow();
        var conversation = await PauseAsync(workflow, "deploy");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => ResumeAsync(workflow, conversation, $"resume-{i % 4}")));

        Assert.Equal(1, workflow.StepRuns);
        var winner = Assert.Single(outcomes, o => o.Ran);
        var retry = await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, winner.ResumeId);
        Assert.Equal(ResumeClaimStatus.Completed, retry.Status);
        Assert.Equal("done", retry.Claim.Receipt!.Outcome!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AResumeArrivingWhileTheFirstIsInsideTheApprovedStep_DoesNotRunIt()
    {
        var workflow = new ApprovalWorkflow { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var conversation = await PauseAsync(workflow, "migrate");
        var first = ResumeAsync(workflow, conversation, "resume-a");
        await workflow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var second = await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-b");
        var sameKey = await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-a");
        workflow.Gate.SetResult();

        Assert.Equal(ResumeClaimStatus.InProgressByAnotherResume, second.Status);
        Assert.Equal(ResumeClaimStatus.InProgress, sameKey.Status);
        Assert.True((await first).Ran);
        Assert.Equal(1, workflow.StepRuns);
    }

    [Fact]
    public async Task NoCheckpointWrittenByAResume_CanBeResumedIntoTheStep_WithoutANewApproval()
    {
        var workflow = new ApprovalWorkflow();
        var conversation = await PauseAsync(workflow, "rotate");
        var paused = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Pause!;
        var store = new PostgresCheckpointStore(db.DataSource, User);
        await db.CreateService().ResumeWorkflowAsync(paused, workflow.Build(), store, [paused.Requests[0].CreateResponse("yes")]);
        var index = (await store.RetrieveIndexAsync(paused.SessionId)).ToList();
        Assert.True(index.Count > index.FindIndex(c => c.CheckpointId == paused.Checkpoint.CheckpointId) + 1, "the resume wrote checkpoints after the pause");

        // Through the pause: nothing left to claim, under any key.
        Assert.Equal(ResumeClaimStatus.NotFound, (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-2")).Status);
        Assert.Equal(1, workflow.StepRuns);

        // Why a resume only ever starts from the pause's checkpoint: the framework alone, resumed from the checkpoint
        // the resume wrote next (the answer queued, no request outstanding), runs the step again with no approval.
        var afterPause = index[index.FindIndex(c => c.CheckpointId == paused.Checkpoint.CheckpointId) + 1];
        await RunFrameworkAloneAsync(workflow, store, afterPause);
        Assert.Equal(2, workflow.StepRuns);
    }

    [Fact]
    public async Task AWorkerKilledMidResume_ItsStaleClaimIsReverted_AndASecondResumeCompletes()
    {
        var workflow = new ApprovalWorkflow();
        var conversation = await PauseAsync(workflow, "backup");
        var dead = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-dead")).Pause!;
        // The worker dies inside the step: the step ran, the claim was never finished nor handed back.
        await RunFrameworkAloneAsync(workflow, new PostgresCheckpointStore(db.DataSource, User), dead.Checkpoint, "yes");
        Assert.Equal(1, workflow.StepRuns);
        Assert.Equal(ResumeClaimStatus.InProgressByAnotherResume, (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-2")).Status);

        Assert.Equal(1, await db.CreateService().RevertStaleResumingAsync(TimeSpan.Zero));
        var outcome = await ResumeAsync(workflow, conversation, "resume-2");

        Assert.True(outcome.Ran);
        // The guarantee's limit, as docs/workflows.md states it: the claim makes the resume exactly-once; work the dead
        // worker did inside the step before the pause's end was recorded runs again.
        Assert.Equal(2, workflow.StepRuns);
        Assert.Equal(0L, await PendingRowsAsync(conversation));
    }

    [Fact]
    public async Task ARunThatHaltsAgain_ReplacesThePauseWithItsNewRequest_AndTheNextResumeFinishes()
    {
        var workflow = new TwoApprovals();
        var conversation = await PauseAsync(workflow.Build, "release");

        var first = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Pause!;
        var store = new PostgresCheckpointStore(db.DataSource, User);
        var again = await db.CreateService().ResumeWorkflowAsync(first, workflow.Build(), store, [first.Requests[0].CreateResponse("yes")], new WorkflowResumeOptions { Outcome = new { step = 1 } });

        Assert.Equal(WorkflowResumeOutcome.PausedAgain, again.Outcome);
        var waiting = Assert.Single(again.Waiting);
        Assert.Equal("confirm", waiting.PortId);
        Assert.Equal(ResumeClaimStatus.Completed, (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Status);

        var second = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-2")).Pause!;
        Assert.Equal(waiting.RequestId, Assert.Single(second.Requests).RequestId);
        Assert.NotEqual(first.Checkpoint.CheckpointId, second.Checkpoint.CheckpointId);
        var done = await db.CreateService().ResumeWorkflowAsync(second, workflow.Build(), store, [second.Requests[0].CreateResponse("sure")]);

        Assert.Equal(WorkflowResumeOutcome.Completed, done.Outcome);
        Assert.Equal("released after 'sure'", Assert.Single(done.Outputs));
        Assert.Equal((1, 1), (workflow.FirstRuns, workflow.SecondRuns));
    }

    [Fact]
    public async Task AResumeCancelledInsideTheStep_HandsTheClaimBack_SoTheNextResumeCanRun()
    {
        var workflow = new ApprovalWorkflow { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var conversation = await PauseAsync(workflow, "cancel");
        var paused = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Pause!;
        using var hangUp = new CancellationTokenSource();
        _ = workflow.Entered.Task.ContinueWith(_ => hangUp.Cancel(), TaskScheduler.Default);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.CreateService().ResumeWorkflowAsync(paused, workflow.Build(), new PostgresCheckpointStore(db.DataSource, User), [paused.Requests[0].CreateResponse("yes")], cancellationToken: hangUp.Token));

        Assert.NotNull(await db.CreateService().LoadStateAsync(conversation, User));
        Assert.Equal(ResumeClaimStatus.Claimed, (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-2")).Status);
    }

    public static TheoryData<string> BadAnswers() => ["unknown id", "other port", "twice", "none"];

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task AnAnswerThatBindsToNoStoredRequest_IsRefused_TheClaimHandedBack_AndNothingRuns(string kind)
    {
        var workflow = new ApprovalWorkflow();
        var conversation = await PauseAsync(workflow, "refuse");
        var paused = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Pause!;
        var request = paused.Requests[0];
        WorkflowResponse[] responses = kind switch
        {
            "unknown id" => [new WorkflowResponse("forged", request.PortId, "yes")],
            "other port" => [new WorkflowResponse(request.RequestId, "admin", "yes")],
            "twice" => [request.CreateResponse("yes"), request.CreateResponse("yes")],
            _ => [],
        };

        await Assert.ThrowsAsync<ArgumentException>(() => db.CreateService().ResumeWorkflowAsync(paused, workflow.Build(), new PostgresCheckpointStore(db.DataSource, User), responses));

        Assert.Equal(0, workflow.StepRuns);
        Assert.NotNull(await db.CreateService().LoadStateAsync(conversation, User));
    }

    [Fact]
    public async Task AnotherUser_SeesNoPause_AndAStoreOfAnotherUserIsRefused()
    {
        var workflow = new ApprovalWorkflow();
        var conversation = await PauseAsync(workflow, "private");

        Assert.Equal(ResumeClaimStatus.NotFound, (await db.CreateService().ClaimWorkflowPauseAsync(conversation, "intruder", "resume-1")).Status);
        var paused = (await db.CreateService().ClaimWorkflowPauseAsync(conversation, User, "resume-1")).Pause!;
        await Assert.ThrowsAsync<ArgumentException>(() => db.CreateService().ResumeWorkflowAsync(paused, workflow.Build(), new PostgresCheckpointStore(db.DataSource, "intruder"), [paused.Requests[0].CreateResponse("yes")]));
        Assert.Equal(0, workflow.StepRuns);
    }

    [Fact]
    public async Task AWorkflowPause_IsNotAChatPause_NorTheOtherWayRound()
    {
        var conversation = await PauseAsync(new ApprovalWorkflow(), "formats");
        var chat = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        await db.CreateService().SaveStateAsync(chat, User, TestData.Snapshot());

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ContinuationState.Extensions.AI.ChatContinuationExtensions.ClaimChatPauseAsync(db.CreateService(), conversation, User, "resume-1"));
        Assert.Contains("'microsoft.agents.ai.workflows'", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => db.CreateService().ClaimWorkflowPauseAsync(chat, User, "resume-1"));
        Assert.NotNull(await db.CreateService().LoadStateAsync(conversation, User));
    }

    private Task<string> PauseAsync(ApprovalWorkflow workflow, string input) => PauseAsync(workflow.Build, input);

    /// <summary>Runs the workflow to its pause with a PostgreSQL checkpoint store, and saves the pause under a new conversation.</summary>
    private async Task<string> PauseAsync(Func<Workflow> build, string input)
    {
        var conversation = Guid.NewGuid().ToString();
        var service = db.CreateService();
        await service.EnsureConversationAsync(conversation, User);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var run = await InProcessExecution.RunStreamingAsync(build(), input, CheckpointManager.CreateJson(new PostgresCheckpointStore(db.DataSource, User)), cancellationToken: bound.Token);
        var requests = new List<ExternalRequest>();
        await foreach (var evt in run.WatchStreamAsync(blockOnPendingRequest: false, bound.Token))
        {
            if (evt is RequestInfoEvent request)
            {
                requests.Add(request.Request);
            }
        }

        Assert.True(WorkflowPause.TryCreate(run, requests, out var pause));
        await service.SaveWorkflowPauseAsync(conversation, User, pause);
        return conversation;
    }

    private async Task<(bool Ran, string ResumeId)> ResumeAsync(ApprovalWorkflow workflow, string conversation, string resumeId)
    {
        var service = db.CreateService();
        var claim = await service.ClaimWorkflowPauseAsync(conversation, User, resumeId);
        if (claim.Pause is not { } paused)
        {
            return (false, resumeId);
        }

        var result = await service.ResumeWorkflowAsync(paused, workflow.Build(), new PostgresCheckpointStore(db.DataSource, User), [paused.Requests[0].CreateResponse("yes")], new WorkflowResumeOptions { Outcome = new { status = "done" } });
        Assert.Equal(WorkflowResumeOutcome.Completed, result.Outcome);
        return (true, resumeId);
    }

    /// <summary>The framework's own resume, with no claim: answers any request it is asked, bounded in time.</summary>
    private static async Task RunFrameworkAloneAsync(ApprovalWorkflow workflow, PostgresCheckpointStore store, CheckpointInfo from, string answer = "yes")
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var run = await InProcessExecution.ResumeStreamingAsync(workflow.Build(), from, CheckpointManager.CreateJson(store), bound.Token);
        await foreach (var evt in run.WatchStreamAsync(bound.Token))
        {
            switch (evt)
            {
                case RequestInfoEvent request:
                    await run.SendResponseAsync(request.Request.CreateResponse(answer));
                    break;
                case WorkflowOutputEvent:
                    return;
            }
        }
    }

    private Task<long> PendingRowsAsync(string conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

    /// <summary>Two approvals in a row: approve → first step → confirm → second step → output.</summary>
    private sealed class TwoApprovals
    {
        private int _first;
        private int _second;

        public int FirstRuns => Volatile.Read(ref _first);

        public int SecondRuns => Volatile.Read(ref _second);

        public Workflow Build()
        {
            var approve = RequestPort.Create<string, string>("approve");
            var confirm = RequestPort.Create<string, string>("confirm");
            var first = new FunctionExecutor<string, string>(
                "first",
                (answer, context, cancellationToken) =>
                {
                    Interlocked.Increment(ref _first);
                    return ValueTask.FromResult(answer);
                });
            var second = new FunctionExecutor<string>(
                "second",
                async (answer, context, cancellationToken) =>
                {
                    Interlocked.Increment(ref _second);
                    await context.YieldOutputAsync($"released after '{answer}'", cancellationToken);
                },
                outputTypes: [typeof(string)]);
            return new WorkflowBuilder(approve).AddEdge(approve, first).AddEdge(first, confirm).AddEdge(confirm, second).WithOutputFrom(second).Build();
        }
    }
}
