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
    public InvalidConversationIdException(string conversationId)
        : base($"Cannot save continuation state: conversation id '{Shorten(conversationId)}' is neither a UUID nor a known legacy MongoDB ObjectId.")
    {
        ConversationId = conversationId;
    }

    /// <summary>The id as the caller gave it.</summary>
    public string ConversationId { get; }

    // Hostile ids can be huge; the message names the id without repeating kilobytes of it.
    private static string Shorten(string id) => id.Length <= 64 ? id : string.Concat(id.AsSpan(0, 64), "…");
}
