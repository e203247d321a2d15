namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>How a claimed workflow resume ended.</summary>
public enum WorkflowResumeOutcome
{
    /// <summary>The run finished: the pause is deleted and the receipt written.</summary>
    Completed,

    /// <summary>The run halted for people again: its new requests replaced the claimed pause in one statement.</summary>
    PausedAgain,

    /// <summary>The claim was no longer current (reverted as stale, or the state re-saved): nothing was written.</summary>
    FencedOut,
}
