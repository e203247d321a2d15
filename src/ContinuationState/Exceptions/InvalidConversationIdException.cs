using ContinuationState.Internal;

namespace ContinuationState;

/// <summary>
/// A conversation id is neither a canonical UUID (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>) nor a
/// legacy MongoDB ObjectId known to <c>conversations.legacy_mongo_id</c>. Thrown by saves; reads, claims
/// and deletes answer "nothing there" instead. Nothing was written.
/// </summary>
public sealed class InvalidConversationIdException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="conversationId">The id as the caller gave it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="conversationId"/> is null.</exception>
    public InvalidConversationIdException(string conversationId)
        : base($"Cannot save continuation state: conversation id '{Guard.Shorten(conversationId ?? throw new ArgumentNullException(nameof(conversationId)))}' is neither a UUID nor a known legacy MongoDB ObjectId.")
    {
        ConversationId = conversationId;
    }

    /// <summary>The id as the caller gave it.</summary>
    public string ConversationId { get; }
}
