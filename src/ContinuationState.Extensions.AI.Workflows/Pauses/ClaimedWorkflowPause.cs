using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// A claimed workflow pause: the checkpoint the run halted at and what it waits for, under the claim
/// (<see cref="State"/>) that fences its end. Resume it with <see cref="WorkflowContinuationExtensions.ResumeWorkflowAsync"/>.
/// </summary>
public sealed class ClaimedWorkflowPause
{
    internal ClaimedWorkflowPause(PendingToolState state)
    {
        State = state;
        Checkpoint = WorkflowPauseSnapshot.Checkpoint(state);
        Requests = WorkflowPauseSnapshot.Requests(state);
    }

    /// <summary>The claimed state, with its claim token.</summary>
    public PendingToolState State { get; }

    /// <summary>The workflow session.</summary>
    public string SessionId => Checkpoint.SessionId;

    /// <summary>The checkpoint the run halted at: the resume starts here, never from a later one.</summary>
    public CheckpointInfo Checkpoint { get; }

    /// <summary>The requests the run waits for.</summary>
    public IReadOnlyList<WorkflowRequest> Requests { get; }
}
