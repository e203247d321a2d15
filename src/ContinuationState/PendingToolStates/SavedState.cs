namespace ContinuationState;

/// <summary>What the database stamped on a saved state.</summary>
/// <param name="Id">The row's id (kept across re-saves of the same conversation and user).</param>
/// <param name="CreatedAt">When it was saved, by the database clock.</param>
/// <param name="ExpiresAt">When it stops being loadable, by the database clock.</param>
public sealed record SavedState(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
