namespace ContinuationState;

/// <summary>Configuration of the background maintenance service (<c>AddContinuationStateMaintenance</c>).</summary>
public sealed class ContinuationStateMaintenanceOptions
{
    /// <summary>Time between ticks. Default 60 seconds, as DocsGPT's cleanup schedule.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Up to this much random time is added to each wait, so replicas started together do not tick together.
    /// Default 10 seconds; zero turns jitter off.
    /// </summary>
    public TimeSpan MaxJitter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether a tick reverts stale claims. Default true.</summary>
    public bool RevertStaleClaims { get; set; } = true;

    /// <summary>
    /// Age after which a claim counts as abandoned by a crashed worker; null uses
    /// <see cref="ContinuationStateOptions.StaleClaimGrace"/> (10 minutes).
    /// </summary>
    public TimeSpan? StaleClaimGrace { get; set; }

    /// <summary>
    /// Whether a tick purges expired state: pauses, receipts and (see <see cref="PurgeExpiredWorkflowSessions"/>)
    /// workflow sessions. Default true.
    /// </summary>
    public bool PurgeExpired { get; set; } = true;

    /// <summary>
    /// Whether a tick also purges expired workflow sessions with their checkpoints (the tables of
    /// ContinuationState.Extensions.AI.Workflows), when <see cref="PurgeExpired"/> is on. Default true; turn it off
    /// when the host purges them itself (<c>WorkflowCheckpointStores.PurgeExpiredAsync</c>). Costs one indexed
    /// statement per tick when there are none.
    /// </summary>
    public bool PurgeExpiredWorkflowSessions { get; set; } = true;

    /// <summary>
    /// Rows deleted per statement (pauses, or workflow sessions with their checkpoints). Default 500: each batch is one
    /// short statement, never a long lock.
    /// </summary>
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>
    /// Wait between one full purge batch and the next, so a long backlog leaves the server's WAL and CPU to the
    /// callers between batches. Default zero (batches back to back); see docs/performance.md, "Scale", for what a pause
    /// buys on a durable server.
    /// </summary>
    public TimeSpan PurgeBatchPause { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Batches per tick at most, for pauses and for workflow sessions each, so a huge backlog drains over several
    /// ticks. Default 20.
    /// </summary>
    public int MaxBatchesPerTick { get; set; } = 20;

    /// <summary>
    /// Purged keys kept for redelivery while event handlers fail, for pauses and for workflow sessions each; beyond
    /// this the oldest are dropped (and logged). Default 100,000.
    /// </summary>
    public int MaxUndeliveredKeys { get; set; } = 100_000;
}
