namespace ContinuationState;

/// <summary>
/// Implemented by a host that wants to know what the maintenance service purged, e.g. to revoke an approval prompt
/// tied to a pause that no longer resumes anything. Register implementations in the container; each is called
/// once per purged batch.
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
}
