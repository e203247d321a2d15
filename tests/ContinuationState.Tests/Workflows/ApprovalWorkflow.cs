using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Tests.Workflows;

/// <summary>
/// A real Agent Framework 1.28 workflow with a human in the loop: the start is a <c>RequestPort</c> "approve", whose
/// answer goes to a step with a side effect (counted) that yields the output.
/// </summary>
internal sealed class ApprovalWorkflow
{
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(60);
    private int _stepRuns;

    /// <summary>When set, the step waits inside for it (to race a second resume against a step in progress).</summary>
    public TaskCompletionSource? Gate { get; init; }

    /// <summary>Completed when the step is first entered.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many times the step after the approval ran.</summary>
    public int StepRuns => Volatile.Read(ref _stepRuns);

    /// <summary>A fresh definition each time, as a new process would build it.</summary>
    public Workflow Build()
    {
        var port = RequestPort.Create<string, string>("approve");
        var step = new FunctionExecutor<string>(
            "send",
            async (answer, context, cancellationToken) =>
            {
                Interlocked.Increment(ref _stepRuns);
                Entered.TrySetResult();
                if (Gate is not null)
                {
                    await Gate.Task.WaitAsync(cancellationToken);
                }

                await context.YieldOutputAsync($"sent after '{answer}'", cancellationToken);
            },
            outputTypes: [typeof(string)]);
        return new WorkflowBuilder(port).AddEdge(port, step).WithOutputFrom(step).Build();
    }

    /// <summary>Runs until the workflow halts for approval; returns its session, the request and the run's status.</summary>
    public async Task<Paused> RunToPauseAsync(CheckpointManager checkpoints, string input, string? sessionId = null)
    {
        using var bound = new CancellationTokenSource(RunBound);
        await using var run = await InProcessExecution.RunStreamingAsync(Build(), input, checkpoints, sessionId, bound.Token);
        var requests = new List<ExternalRequest>();
        await foreach (var evt in run.WatchStreamAsync(blockOnPendingRequest: false, bound.Token))
        {
            if (evt is RequestInfoEvent request)
            {
                requests.Add(request.Request);
            }
        }

        return new Paused(run.SessionId, Assert.Single(requests), await run.GetStatusAsync(bound.Token));
    }

    /// <summary>Resumes from <paramref name="checkpoint"/>, answers the re-emitted request, and returns the output.</summary>
    public async Task<string> ResumeAsync(CheckpointManager checkpoints, CheckpointInfo checkpoint, string answer, string? expectedRequestId = null)
    {
        using var bound = new CancellationTokenSource(RunBound);
        await using var run = await InProcessExecution.ResumeStreamingAsync(Build(), checkpoint, checkpoints, bound.Token);
        await foreach (var evt in run.WatchStreamAsync(bound.Token))
        {
            switch (evt)
            {
                case RequestInfoEvent request:
                    if (expectedRequestId is not null)
                    {
                        Assert.Equal(expectedRequestId, request.Request.RequestId);
                    }

                    await run.SendResponseAsync(request.Request.CreateResponse(answer));
                    break;
                case WorkflowOutputEvent output:
                    return Assert.IsType<string>(output.Data);
                case WorkflowErrorEvent error:
                    Assert.Fail($"The resumed workflow failed: {error.Exception}");
                    break;
            }
        }

        throw new InvalidOperationException("The resumed workflow ended without an output.");
    }

    /// <summary>The same workflow run start to end in one go, answering at once: the output a resume must match.</summary>
    public async Task<string> RunUninterruptedAsync(string input, string answer)
    {
        using var bound = new CancellationTokenSource(RunBound);
        await using var run = await InProcessExecution.RunStreamingAsync(Build(), input, cancellationToken: bound.Token);
        await foreach (var evt in run.WatchStreamAsync(bound.Token))
        {
            switch (evt)
            {
                case RequestInfoEvent request:
                    await run.SendResponseAsync(request.Request.CreateResponse(answer));
                    break;
                case WorkflowOutputEvent output:
                    return Assert.IsType<string>(output.Data);
            }
        }

        throw new InvalidOperationException("The workflow ended without an output.");
    }

    public sealed record Paused(string SessionId, ExternalRequest Request, RunStatus Status);
}
