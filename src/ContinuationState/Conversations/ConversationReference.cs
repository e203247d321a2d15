using System.Buffers;
using System.Collections;
using Dapper;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>What a caller's conversation id is: a UUID, a legacy MongoDB ObjectId, or neither.</summary>
internal readonly record struct ConversationReference(ConversationIdKind Kind, Guid Uuid, string? Raw)
{
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// Only the canonical 36-character form is a UUID (any letter case); braces, parentheses and the
    /// 32-digit form are not, so one conversation has exactly one spelling on the wire. A legacy id is
    /// exactly 24 hexadecimal digits, as MongoDB writes an ObjectId.
    /// </summary>
    public static ConversationReference Parse(string conversationId)
    {
        if (conversationId.Length == 36 && Guid.TryParseExact(conversationId, "D", out var uuid))
        {
            return new(ConversationIdKind.Uuid, uuid, conversationId);
        }

        if (conversationId.Length == 24 && !conversationId.AsSpan().ContainsAnyExcept(Hex))
        {
            return new(ConversationIdKind.Legacy, Guid.Empty, conversationId);
        }

        return new(ConversationIdKind.Invalid, Guid.Empty, conversationId);
    }

    /// <summary>A resolved UUID, as the repository's public methods take it (its text is made only for an error).</summary>
    public static ConversationReference ForUuid(Guid conversationId) => new(ConversationIdKind.Uuid, conversationId, null);

    public bool IsLegacy => Kind == ConversationIdKind.Legacy;

    /// <summary>The id as the caller spelled it, for messages.</summary>
    public string Text => Raw ?? Uuid.ToString("D");

    /// <summary>
    /// Binds the key a statement's <c>{conversation_id}</c> became: the UUID, or the legacy id that the statement
    /// resolves itself, so the mapping is read in the same snapshot as the rows it selects.
    /// </summary>
    public void AddTo(DynamicParameters parameters)
    {
        if (IsLegacy)
        {
            parameters.Add("legacy_mongo_id", Raw);
        }
        else
        {
            parameters.Add("conversation_id", Uuid);
        }
    }

    /// <summary>
    /// The same key, typed, and the user beside it (<c>{user_id}</c>), for a command the library binds itself rather
    /// than through Dapper.
    /// </summary>
    public void AddKeyTo(IList parameters, string userId)
    {
        parameters.Add(IsLegacy
            ? new NpgsqlParameter<string>("legacy_mongo_id", Raw!)
            : new NpgsqlParameter<Guid>("conversation_id", Uuid));
        parameters.Add(new NpgsqlParameter<string>("user_id", userId));
    }
}

/// <summary>The shape of a conversation id.</summary>
internal enum ConversationIdKind
{
    Invalid,
    Uuid,
    Legacy,
}
