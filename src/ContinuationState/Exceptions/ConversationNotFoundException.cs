namespace ContinuationState;

/// <summary>
/// State was saved for a conversation that does not exist: a UUID with no <c>conversations</c> row, or a
/// legacy id whose conversation has been deleted. Nothing was written.
/// </summary>
public sealed class ConversationNotFoundException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="conversationId">The conversation id as the caller gave it.</param>
    /// <param name="innerException">The underlying database error, if any.</param>
    public ConversationNotFoundException(string conversationId, Exception? innerException = null)
        : base($"Conversation '{conversationId}' was not found; continuation state can only be saved for an existing conversation.", innerException)
    {
        ConversationId = conversationId;
    }

    /// <summary>The conversation id as the caller gave it.</summary>
    public string ConversationId { get; }
}
