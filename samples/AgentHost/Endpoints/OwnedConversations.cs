using System.Buffers;
using System.Text.Json;
using AgentHost.Agent;
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

    // The library has no "list a user's conversations": a host composes that itself, over the same tables. Expired
    // rows are listed too (until the maintenance purge removes them), so the page can say that a request expired.
    private readonly string _listSql = $"""
        SELECT c.id, c.name, c.created_at,
               CASE WHEN s.status = 'resuming' THEN 'resuming' WHEN s.expires_at <= clock_timestamp() THEN 'expired' ELSE s.status END,
               s.expires_at, s.pending_tool_calls, s.messages
        FROM {Quote(options.Value.Schema)}.conversations c
        LEFT JOIN {Quote(options.Value.Schema)}.pending_tool_state s ON s.conversation_id = c.id AND s.user_id = $1
        WHERE c.user_id = $1
        ORDER BY c.created_at DESC, c.id
        LIMIT $2
        """;

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

    /// <summary>The user's newest conversations, each with its saved pause (live, claimed or expired) when it has one.</summary>
    public async Task<List<ConversationSummary>> ListAsync(string userId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(_listSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var conversations = new List<ConversationSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            PauseSummary? pause = null;
            if (!await reader.IsDBNullAsync(3, cancellationToken))
            {
                var pending = PendingCalls.FromStored(reader.GetFieldValue<JsonElement>(5));
                pause = new PauseSummary(
                    reader.GetString(3), PendingCalls.Event(pending), pending, reader.GetFieldValue<DateTimeOffset>(4), PauseTranscript.From(reader.GetFieldValue<JsonElement>(6)));
            }

            var name = await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1);
            conversations.Add(new ConversationSummary(reader.GetGuid(0), name, reader.GetFieldValue<DateTimeOffset>(2), pause));
        }

        return conversations;
    }

    /// <summary>A MongoDB ObjectId as DocsGPT wrote it: exactly 24 hexadecimal digits.</summary>
    public static bool IsLegacyId(string id) => id.Length == 24 && !id.AsSpan().ContainsAnyExcept(Hex);

    // The options validator has checked the name already; quoting keeps it one identifier whatever it holds.
    private static string Quote(string schema)
    {
        using var builder = new NpgsqlCommandBuilder();
        return builder.QuoteIdentifier(schema);
    }
}
