namespace ContinuationState;

/// <summary>A row of <c>conversations</c>, in the columns ContinuationState uses.</summary>
/// <param name="Id">The conversation's UUID.</param>
/// <param name="UserId">The user that owns the conversation.</param>
/// <param name="Name">Its display name, if any.</param>
/// <param name="LegacyMongoId">The MongoDB ObjectId it had before migrating to PostgreSQL, if any.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it was last updated.</param>
public sealed record Conversation(
    Guid Id,
    string UserId,
    string? Name,
    string? LegacyMongoId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
