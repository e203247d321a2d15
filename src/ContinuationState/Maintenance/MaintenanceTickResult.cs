namespace ContinuationState.Internal;

/// <summary>What one maintenance tick did.</summary>
internal sealed record MaintenanceTickResult(int Reverted, int Purged, int Batches, int Undelivered);
