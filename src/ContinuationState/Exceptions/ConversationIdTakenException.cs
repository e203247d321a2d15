namespace ContinuationState;

/// <summary>
/// <see cref="IContinuationService.EnsureConversationAsync"/> was given the id of a conversation that belongs to another
/// user. Nothing was written, and nothing of that conversation (its owner, its name) is told; choose another id.
/// </summary>
public sealed class ConversationIdTakenException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="conversationId">The id asked for.</param>
    public ConversationIdTakenException(string conversationId)
        : base($"Conversation id '{conversationId}' cannot be used for this user; choose another id (a new UUID).")
    {
        ConversationId = conversationId;
    }

    /// <summary>The id asked for.</summary>
    public string ConversationId { get; }
}
