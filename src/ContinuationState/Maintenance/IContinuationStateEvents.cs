namespace ContinuationState;

/// <summary>
/// Implemented by a host that wants to know what the maintenance service purged, e.g. to revoke an approval prompt
/// tied to a pause that no longer resumes anything. Register implementations in the container; each is called
/// once per purged batch, with pauses and workflow sessions delivered separately.
/// </summary>
public interface IContinuationStateEvents
{
    /// <summary>
    /// Receives the keys of states deleted because they expired. A throw is logged and the same keys are offered
    /// again on the next tick (at least once delivery, so the handler should be idempotent).
    /// </summary>
    /// <param name="purged">The keys of the deleted states.</param>
    /// <param name="cancellationToken">Signalled when the host is stopping.</param>
    /// <returns>A task that completes when the keys are handled.</returns>
    Task OnExpiredStatesPurgedAsync(IReadOnlyList<PurgedState> purged, CancellationToken cancellationToken);

    /// <summary>
    /// Receives the keys of workflow sessions (ContinuationState.Extensions.AI.Workflows) deleted, with all their
    /// checkpoints, because they expired. A throw is logged and the same keys are offered again on the next tick (at
    /// least once delivery, so the handler should be idempotent). The default implementation ignores them, so a handler
    /// written only for pauses needs no change.
    /// </summary>
    /// <param name="purged">The keys of the deleted sessions.</param>
    /// <param name="cancellationToken">Signalled when the host is stopping.</param>
    /// <returns>A task that completes when the keys are handled.</returns>
    Task OnExpiredWorkflowSessionsPurgedAsync(IReadOnlyList<PurgedWorkflowSession> purged, CancellationToken cancellationToken) => Task.CompletedTask;
}
