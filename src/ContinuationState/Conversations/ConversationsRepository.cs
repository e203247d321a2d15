using System.Data.Common;
using ContinuationState.Internal;
using Dapper;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// Reads and creates rows of <c>conversations</c>, and resolves the ids callers use (a UUID, or a legacy MongoDB
/// ObjectId kept in <c>legacy_mongo_id</c>) to the conversation's UUID. Works on a connection the caller opened.
/// </summary>
public sealed class ConversationsRepository
{
    private readonly DbConnection _connection; // the caller's connection, or one that prepares each command (see PreparingConnection)
    private readonly NpgsqlTransaction? _transaction;
    private readonly ConversationsSql _sql;
    private readonly int? _commandTimeout;

    /// <summary>Creates a repository over an open connection.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The caller's transaction on that connection, if any.</param>
    /// <param name="options">The schema to use; defaults when null.</param>
    public ConversationsRepository(NpgsqlConnection connection, NpgsqlTransaction? transaction = null, ContinuationStateOptions? options = null)
        : this(connection, transaction, options, prepare: false)
    {
    }

    /// <summary>A repository whose statements are prepared explicitly when <paramref name="prepare"/> is true.</summary>
    internal ConversationsRepository(NpgsqlConnection connection, NpgsqlTransaction? transaction, ContinuationStateOptions? options, bool prepare)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = prepare ? new PreparingConnection(connection) : connection;
        _transaction = transaction;
        options ??= new ContinuationStateOptions();
        _sql = QualifiedNames.For(options.Schema).ConversationsSql;
        _commandTimeout = CommandTimeouts.Seconds(options.CommandTimeout);
    }

    /// <summary>
    /// Resolves a conversation id to its UUID. A canonical UUID is returned as is, without a query (a save's
    /// foreign key proves it exists); a legacy ObjectId (24 hex digits) costs one indexed lookup.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">When given, a legacy id resolves only to a conversation of this user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The UUID, or null when the id is neither a UUID nor a known legacy id.</returns>
    public async Task<Guid?> ResolveAsync(string conversationId, string? userId = null, CancellationToken cancellationToken = default)
    {
        Guard.ConversationId(conversationId);
        OptionalUserId(userId);
        var reference = ConversationReference.Parse(conversationId);
        return reference.Kind switch
        {
            ConversationIdKind.Uuid => reference.Uuid,
            ConversationIdKind.Legacy => await ResolveLegacyAsync(conversationId, userId, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
    }

    /// <summary>Creates a conversation.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="name">A display name, if any.</param>
    /// <param name="legacyMongoId">The MongoDB ObjectId it had before, if any (24 hex digits).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new row.</returns>
    public async Task<Conversation> CreateAsync(string userId, string? name = null, string? legacyMongoId = null, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        if (legacyMongoId is not null && ConversationReference.Parse(legacyMongoId).Kind != ConversationIdKind.Legacy)
        {
            throw new ArgumentException($"Legacy id '{legacyMongoId}' is not a MongoDB ObjectId (24 hexadecimal digits).", nameof(legacyMongoId));
        }

        if (name is not null)
        {
            Guard.StorableText(name, "Conversation name", nameof(name));
        }

        var row = await DbErrors.Translated(_connection.QuerySingleAsync<ConversationRow>(Command(
            _sql.Insert,
            new { user_id = userId, name, legacy_mongo_id = legacyMongoId },
            cancellationToken))).ConfigureAwait(false);
        return row.ToConversation();
    }

    /// <summary>
    /// Creates the conversation <paramref name="id"/> for <paramref name="userId"/> unless it exists: idempotent, one
    /// round trip (two only when a concurrent create of the same id commits in between).
    /// </summary>
    /// <returns>True when this call created it, false when it was already the user's, null when it is another user's.</returns>
    internal async Task<bool?> EnsureAsync(Guid id, string userId, string? name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await DbErrors.Translated(_connection.QuerySingleOrDefaultAsync<EnsuredRow>(Command(
                _sql.Ensure,
                new { id, user_id = userId, name },
                cancellationToken))).ConfigureAwait(false);
            if (row is not null)
            {
                return string.Equals(row.user_id, userId, StringComparison.Ordinal) ? row.created : null;
            }

            if (attempt > 0)
            {
                // Inserted and deleted again between the two statements: not this call's to decide.
                throw new ContinuationStateTransientException($"Conversation '{id}' was created and deleted concurrently; try again.", null);
            }
        }
    }

    /// <summary>Reads a conversation by its UUID.</summary>
    /// <param name="id">The conversation's UUID.</param>
    /// <param name="userId">When given, only a conversation of this user is returned.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation, or null.</returns>
    public async Task<Conversation?> GetAsync(Guid id, string? userId = null, CancellationToken cancellationToken = default)
    {
        OptionalUserId(userId);
        var row = await DbErrors.Translated(_connection.QuerySingleOrDefaultAsync<ConversationRow>(Command(_sql.Get, new { id, user_id = userId }, cancellationToken))).ConfigureAwait(false);
        return row?.ToConversation();
    }

    /// <summary>Reads a conversation by its legacy MongoDB ObjectId.</summary>
    /// <param name="legacyMongoId">The ObjectId as text.</param>
    /// <param name="userId">When given, only a conversation of this user is returned.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation, or null.</returns>
    public async Task<Conversation?> GetByLegacyIdAsync(string legacyMongoId, string? userId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(legacyMongoId);
        Guard.StorableText(legacyMongoId, "Legacy id", nameof(legacyMongoId));
        OptionalUserId(userId);
        var row = await DbErrors.Translated(_connection.QuerySingleOrDefaultAsync<ConversationRow>(Command(
            _sql.GetByLegacyId,
            new { legacy_mongo_id = legacyMongoId, user_id = userId },
            cancellationToken))).ConfigureAwait(false);
        return row?.ToConversation();
    }

    private Task<Guid?> ResolveLegacyAsync(string legacyId, string? userId, CancellationToken cancellationToken) => DbErrors.Translated(userId is null
        ? _connection.QuerySingleOrDefaultAsync<Guid?>(Command(_sql.ResolveLegacy, new { legacy_mongo_id = legacyId }, cancellationToken))
        : _connection.QuerySingleOrDefaultAsync<Guid?>(Command(_sql.ResolveLegacyForUser, new { legacy_mongo_id = legacyId, user_id = userId }, cancellationToken)));

    // A filter, not a value to store: only what text cannot hold is refused, so any other id simply matches nothing.
    private static void OptionalUserId(string? userId)
    {
        if (userId is not null)
        {
            Guard.StorableText(userId, "User id", nameof(userId));
        }
    }

    private CommandDefinition Command(string sql, object parameters, CancellationToken cancellationToken)
        => new(sql, parameters, _transaction, _commandTimeout, cancellationToken: cancellationToken);

    // Dapper maps columns by name; timestamptz arrives as a UTC DateTime.
#pragma warning disable IDE1006, CA1812
    private sealed record ConversationRow(Guid id, string user_id, string? name, string? legacy_mongo_id, DateTime created_at, DateTime updated_at)
    {
        public Conversation ToConversation() => new(id, user_id, name, legacy_mongo_id, created_at, updated_at);
    }

    private sealed record EnsuredRow(bool created, string user_id);
#pragma warning restore IDE1006, CA1812
}
