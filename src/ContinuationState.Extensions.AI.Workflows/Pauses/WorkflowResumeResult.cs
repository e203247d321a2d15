namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>What a claimed workflow resume did.</summary>
public sealed class WorkflowResumeResult
{
    internal WorkflowResumeResult(WorkflowResumeOutcome outcome, IReadOnlyList<object?> outputs, IReadOnlyList<WorkflowRequest> waiting)
    {
        Outcome = outcome;
        Outputs = outputs;
        Waiting = waiting;
    }

    /// <summary>Completed, paused again, or fenced out.</summary>
    public WorkflowResumeOutcome Outcome { get; }

    /// <summary>The outputs the resumed run yielded (its <c>WorkflowOutputEvent</c>s' data), in order.</summary>
    public IReadOnlyList<object?> Outputs { get; }

    /// <summary>When paused again: the requests the run now waits for; else empty.</summary>
    public IReadOnlyList<WorkflowRequest> Waiting { get; }
}
