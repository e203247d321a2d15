using System.Diagnostics.CodeAnalysis;
using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// A workflow run that halted for people (status <see cref="RunStatus.PendingRequests"/>): its session, the checkpoint
/// it halted at, and the requests it waits for. Save it with
/// <see cref="WorkflowContinuationExtensions.SaveWorkflowPauseAsync"/>; it is then claimed and resumed exactly once.
/// </summary>
public sealed class WorkflowPause
{
    private WorkflowPause(CheckpointInfo checkpoint, IReadOnlyList<ExternalRequest> requests)
    {
        Checkpoint = checkpoint;
        Requests = requests;
    }

    /// <summary>The workflow session.</summary>
    public string SessionId => Checkpoint.SessionId;

    /// <summary>The checkpoint the run halted at: the only one a resume of this pause starts from.</summary>
    public CheckpointInfo Checkpoint { get; }

    /// <summary>The requests the run waits for (from its <see cref="RequestInfoEvent"/>s).</summary>
    public IReadOnlyList<ExternalRequest> Requests { get; }

    /// <summary>
    /// Makes a pause of a run that halted with outstanding requests, or tells that it did not (nothing waits).
    /// </summary>
    /// <param name="run">The run, with checkpointing on (a <see cref="CheckpointManager"/> over a <see cref="PostgresCheckpointStore"/>).</param>
    /// <param name="requests">The requests of the run's <see cref="RequestInfoEvent"/>s that no response answered.</param>
    /// <param name="pause">The pause, when a request waits.</param>
    /// <returns>True when at least one request waits.</returns>
    /// <exception cref="InvalidOperationException">The run wrote no checkpoint (checkpointing is off): a pause would have nothing to resume from.</exception>
    public static bool TryCreate(CheckpointableRunBase run, IEnumerable<ExternalRequest> requests, [NotNullWhen(true)] out WorkflowPause? pause)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(requests);
        var waiting = requests.DistinctBy(r => r.RequestId, StringComparer.Ordinal).ToList();
        if (waiting.Count == 0)
        {
            pause = null;
            return false;
        }

        var checkpoint = run.LastCheckpoint
            ?? throw new InvalidOperationException("The run wrote no checkpoint: run the workflow with a CheckpointManager so a pause has a checkpoint to resume from.");
        pause = new WorkflowPause(checkpoint, waiting);
        return true;
    }
}
