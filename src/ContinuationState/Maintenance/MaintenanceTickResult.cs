namespace ContinuationState.Internal;

/// <summary>
/// What one maintenance tick did: claims reverted; pauses purged, in how many batches, and pause keys still
/// undelivered; the same three for workflow sessions.
/// </summary>
internal sealed record MaintenanceTickResult(
    int Reverted,
    int Purged,
    int Batches,
    int Undelivered,
    int PurgedWorkflowSessions,
    int WorkflowSessionBatches,
    int UndeliveredWorkflowSessions);
