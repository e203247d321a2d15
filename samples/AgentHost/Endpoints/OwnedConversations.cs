using System.Buffers;
using ContinuationState;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AgentHost.Endpoints;

/// <summary>
/// Finds a conversation only when it belongs to the user, by UUID or by legacy MongoDB ObjectId. Every route
/// checks this first, so another user's conversation looks exactly like one that does not exist.
/// </summary>
internal sealed class OwnedConversations(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options)
{
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    public async Task<Conversation?> FindAsync(string id, string userId, CancellationToken cancellationToken)
    {
        // Only the canonical spellings the library accepts: one conversation, one id on the wire.
        Guid uuid = default;
        var isUuid = id.Length == 36 && Guid.TryParseExact(id, "D", out uuid);
        if (!isUuid && !IsLegacyId(id))
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var conversations = new ConversationsRepository(connection, options: options.Value);
        return isUuid
            ? await conversations.GetAsync(uuid, userId, cancellationToken)
            : await conversations.GetByLegacyIdAsync(id, userId, cancellationToken);
    }

    public async Task<Conversation> CreateAsync(string userId, string? name, string? legacyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await new ConversationsRepository(connection, options: options.Value).CreateAsync(userId, name, legacyId, cancellationToken);
    }

    /// <summary>A MongoDB ObjectId as DocsGPT wrote it: exactly 24 hexadecimal digits.</summary>
    public static bool IsLegacyId(string id) => id.Length == 24 && !id.AsSpan().ContainsAnyExcept(Hex);
}
