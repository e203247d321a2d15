using System.Data;
using System.Data.Common;
using System.Text.Json;
using ContinuationState.Internal;
using ContinuationState.Serialization;
using Dapper;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// The SQL on <c>pending_tool_state</c>, one round trip per method. Works on a connection the caller opened
/// (and optionally a transaction), so a host can compose it into its own unit of work. Conversation ids here
/// are UUIDs; <see cref="ContinuationService"/> also takes legacy ids, which its statements resolve themselves.
/// </summary>
public sealed partial class PendingToolStateRepository
{
    /// <summary>The foreign key DocsGPT and our migration both give <c>conversation_id</c> (PostgreSQL's default name).</summary>
    internal const string ConversationForeignKey = "pending_tool_state_conversation_id_fkey";

    // One row whose jsonb columns are copied straight from the network into their arrays, without first
    // buffering the whole row (columns must then be read in order).
    private const CommandBehavior StreamedRow = CommandBehavior.SingleRow | CommandBehavior.SequentialAccess;

    private readonly DbConnection _connection; // the caller's connection, or one that prepares each command (see PreparingConnection)
    private readonly NpgsqlConnection _npgsql; // the caller's connection itself, for the statements that return a state
    private readonly bool _prepare;
    private readonly NpgsqlTransaction? _transaction;
    private readonly ContinuationStateOptions _options;
    private readonly PendingToolStateSql _sql;
    private readonly ResumeSql _resumeSql;

    /// <summary>Creates a repository over an open connection.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The caller's transaction on that connection, if any.</param>
    /// <param name="options">Schema, default TTL and JSON policies; defaults when null.</param>
    public PendingToolStateRepository(NpgsqlConnection connection, NpgsqlTransaction? transaction = null, ContinuationStateOptions? options = null)
        : this(connection, transaction, options, prepare: false)
    {
    }

    /// <summary>A repository whose statements are prepared explicitly when <paramref name="prepare"/> is true.</summary>
    internal PendingToolStateRepository(NpgsqlConnection connection, NpgsqlTransaction? transaction, ContinuationStateOptions? options, bool prepare)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = prepare ? new PreparingConnection(connection) : connection;
        _npgsql = connection;
        _prepare = prepare;
        _transaction = transaction;
        _options = options ?? new ContinuationStateOptions();
        var names = QualifiedNames.For(_options.Schema);
        _sql = names.PendingToolStateSql;
        _resumeSql = names.ResumeSql;
    }

    /// <summary>
    /// Saves (upserts) the state of a conversation for a user. A re-save replaces every part, resets the status to
    /// pending, clears the claim, and restamps <c>created_at</c> and <c>expires_at</c> with the database clock.
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="snapshot">The state to save.</param>
    /// <param name="ttl">How long it stays loadable; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The row's id and the times the database stamped.</returns>
    /// <exception cref="ConversationNotFoundException">No conversation has that id.</exception>
    /// <exception cref="ContinuationJsonException">A value cannot be stored as jsonb; nothing was sent.</exception>
    /// <exception cref="StateTooLargeException">The state's JSON exceeds the limit; nothing was sent.</exception>
    public Task<SavedState> SaveStateAsync(Guid conversationId, string userId, ContinuationSnapshot snapshot, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        ArgumentNullException.ThrowIfNull(snapshot);
        var ttlSeconds = Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl));
        return SaveAsync(SnapshotParameters.Serialize(snapshot, _options.Json));

        async Task<SavedState> SaveAsync(SnapshotParameters serialized)
        {
            using (serialized)
            {
                return await SaveSerializedAsync(ConversationReference.ForUuid(conversationId), userId, serialized, ttlSeconds, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("A save by UUID returned no row.");
            }
        }
    }

    /// <summary>
    /// Saves an already serialized snapshot (the service serializes before it takes a connection). Returns null when a
    /// legacy id names no conversation: nothing was written.
    /// </summary>
    /// <exception cref="ConversationNotFoundException">No conversation has that UUID.</exception>
    /// <exception cref="InvalidConversationIdException">The legacy id's conversation was deleted while the save ran.</exception>
    internal async Task<SavedState?> SaveSerializedAsync(ConversationReference conversation, string userId, SnapshotParameters snapshot, double ttlSeconds, CancellationToken cancellationToken)
    {
        var parameters = snapshot.ToSaveParameters(conversation, userId, ttlSeconds);

        try
        {
            var sql = conversation.IsLegacy ? _sql.SaveByLegacyId : _sql.Save;
            var row = await _connection.QuerySingleOrDefaultAsync<SavedRow>(Command(sql, parameters, cancellationToken)).ConfigureAwait(false);
            return row is null ? null : new SavedState(row.id, row.created_at, row.expires_at);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation && e.ConstraintName == ConversationForeignKey)
        {
            // A legacy id whose conversation went away mid-statement is the same input as one that never resolved.
            throw conversation.IsLegacy
                ? new InvalidConversationIdException(conversation.Text)
                : new ConversationNotFoundException(conversation.Text, e);
        }
        catch (Exception e)
        {
            ThrowSendFailure(snapshot, e);
            throw;
        }
    }

    /// <summary>
    /// After a statement that sent a snapshot's parts failed: throws the library's exception for it, if there is one;
    /// a failure below the server keeps the parts out of the pool (<see cref="SnapshotParameters.KeepOutOfPool"/>).
    /// </summary>
    private static void ThrowSendFailure(SnapshotParameters snapshot, Exception e)
    {
        if (e is not PostgresException)
        {
            snapshot.KeepOutOfPool();
        }

        if (DbErrors.Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Loads the live state: pending and not expired by the database clock.</summary>
    /// <returns>The state, or null when there is none, it expired, or it is claimed.</returns>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner; another user's state is never returned.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task<PendingToolState?> LoadStateAsync(Guid conversationId, string userId, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        return LoadAsync(ConversationReference.ForUuid(conversationId), userId, cancellationToken);
    }

    internal async Task<PendingToolState?> LoadAsync(ConversationReference conversation, string userId, CancellationToken cancellationToken)
    {
        try
        {
            var command = StateCommand(conversation.IsLegacy ? _sql.LoadByLegacyId : _sql.Load, conversation, userId);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await ExecuteStateReaderAsync(command, StreamedRow, cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PendingToolStateReader.Read(reader) : null;
        }
        catch (Exception e) when (DbErrors.Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Atomically claims live pending state for a resume: flips it to resuming, stamps <c>resumed_at</c>, and
    /// returns it. Of any number of concurrent claims, exactly one wins.
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed state, or null when there is nothing claimable (no state, or it expired).</returns>
    /// <exception cref="ResumeInProgressException">Another resume holds the claim.</exception>
    public Task<PendingToolState?> ClaimStateAsync(Guid conversationId, string userId, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        return ClaimAsync(ConversationReference.ForUuid(conversationId), userId, null, cancellationToken);
    }

    internal async Task<PendingToolState?> ClaimAsync(ConversationReference conversation, string userId, string? requiredFormat, CancellationToken cancellationToken)
    {
        try
        {
            var command = StateCommand(conversation.IsLegacy ? _sql.ClaimByLegacyId : _sql.Claim, conversation, userId);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter<double>("grace_seconds", _options.StaleClaimGrace.TotalSeconds));
            StatementRunner.Text(command.Parameters, "required_format", requiredFormat);
            var reader = await ExecuteStateReaderAsync(command, StreamedRow, cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // Columns: 0 the status before the claim, 1 left alone for its format, 2 that format, 3.. the claimed state.
            // The reader is sequential: every column is read in order.
            var status = reader.GetFieldValue<string>(0);
            var otherFormat = reader.GetFieldValue<bool>(1);
            var format = reader.IsDBNull(2) ? null : reader.GetFieldValue<string>(2);
            if (!reader.IsDBNull(3))
            {
                return PendingToolStateReader.Read(reader, offset: 3);
            }

            if (otherFormat)
            {
                throw new StateFormatMismatchException(requiredFormat!, format);
            }

            return PendingToolStateReader.ParseStatus(status) == PendingToolStateStatus.Resuming
                ? throw new ResumeInProgressException()
                : null;
        }
        catch (Exception e) when (DbErrors.Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Hands a claim back after a failed resume: resuming becomes pending, the claim time is cleared, and the
    /// state lives at least <paramref name="ttl"/> more (a longer TTL is never shortened).
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when a claim was released; false when the state is not claimed (or does not exist).</returns>
    public Task<bool> ReleaseClaimAsync(Guid conversationId, string userId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        return ReleaseAsync(ConversationReference.ForUuid(conversationId), userId, Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl)), cancellationToken);
    }

    internal Task<bool> ReleaseAsync(ConversationReference conversation, string userId, double ttlSeconds, CancellationToken cancellationToken)
    {
        var parameters = Key(conversation, userId);
        parameters.Add("ttl_seconds", ttlSeconds);
        return ScalarAffectsRowAsync(conversation.IsLegacy ? _sql.ReleaseByLegacyId : _sql.Release, parameters, cancellationToken);
    }

    /// <summary>Deletes the state, whatever its status (after a successful resume).</summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when a row was deleted.</returns>
    public Task<bool> DeleteStateAsync(Guid conversationId, string userId, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        return DeleteAsync(ConversationReference.ForUuid(conversationId), userId, cancellationToken);
    }

    internal Task<bool> DeleteAsync(ConversationReference conversation, string userId, CancellationToken cancellationToken)
        => ExecuteAffectsRowAsync(conversation.IsLegacy ? _sql.DeleteByLegacyId : _sql.Delete, Key(conversation, userId), cancellationToken);

    /// <summary>
    /// Hands back the claim that returned <paramref name="claimed"/>, only while it is still the current claim: a
    /// claim that was reverted as stale, re-taken or overwritten by a new save is left alone.
    /// </summary>
    /// <param name="claimed">The state a claim returned (it carries the claim's token).</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the claim was released; false when it is no longer the current claim.</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    public Task<bool> ReleaseClaimAsync(PendingToolState claimed, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var parameters = Fence(claimed);
        parameters.Add("ttl_seconds", Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl)));
        return ScalarAffectsRowAsync(_sql.FencedRelease, parameters, cancellationToken);
    }

    /// <summary>
    /// Deletes the state after a successful resume, only while the claim that returned <paramref name="claimed"/> is
    /// still the current one: a worker that stalled past the grace period cannot delete the state a later resume
    /// saved.
    /// </summary>
    /// <param name="claimed">The state a claim returned (it carries the claim's token).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the row was deleted; false when the claim is no longer the current one.</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    public Task<bool> DeleteStateAsync(PendingToolState claimed, CancellationToken cancellationToken = default)
        => ExecuteAffectsRowAsync(_sql.FencedDelete, Fence(claimed), cancellationToken);

    /// <summary>
    /// Flips live pending state to resuming without returning it (DocsGPT's <c>mark_resuming</c>). Prefer
    /// <see cref="ClaimStateAsync"/>, which does the same and returns the state in one round trip.
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the state was flipped.</returns>
    public Task<bool> MarkResumingAsync(Guid conversationId, string userId, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        return MarkResumingAsync(ConversationReference.ForUuid(conversationId), userId, cancellationToken);
    }

    internal Task<bool> MarkResumingAsync(ConversationReference conversation, string userId, CancellationToken cancellationToken)
    {
        var parameters = Key(conversation, userId);
        parameters.Add("grace_seconds", _options.StaleClaimGrace.TotalSeconds);
        return ExecuteAffectsRowAsync(conversation.IsLegacy ? _sql.MarkResumingByLegacyId : _sql.MarkResuming, parameters, cancellationToken);
    }

    /// <summary>
    /// Hands back claims whose worker seems to have crashed: resuming rows claimed longer ago than
    /// <paramref name="grace"/> (or with no claim time at all) become pending, with at least <paramref name="ttl"/>
    /// of life left.
    /// </summary>
    /// <param name="grace">How old a claim must be; <see cref="ContinuationStateOptions.StaleClaimGrace"/> when null.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many claims were reverted.</returns>
    public Task<int> RevertStaleResumingAsync(TimeSpan? grace = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var parameters = new DynamicParameters();
        parameters.Add("grace_seconds", Guard.NonNegative(grace ?? _options.StaleClaimGrace, nameof(grace)));
        parameters.Add("ttl_seconds", Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl)));
        return DbErrors.Translated(_connection.ExecuteScalarAsync<int>(Command(_sql.RevertStale, parameters, cancellationToken)));
    }

    /// <summary>Deletes every expired state, of every user.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The keys of each deleted state, so a host can revoke prompts that no longer resume anything.</returns>
    public Task<IReadOnlyList<PurgedState>> PurgeExpiredAsync(CancellationToken cancellationToken = default)
        => DbErrors.Translated(PurgeCoreAsync(_sql.PurgeExpired, null, cancellationToken));

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> expired states in one short statement. Rows another purger has
    /// locked are skipped, so replicas purging at once never block each other or delete a row twice.
    /// </summary>
    /// <param name="batchSize">The most rows to delete.</param>
    /// <param name="cancellationToken">Cancels the operation; a cancelled batch deletes nothing.</param>
    /// <returns>The keys of each deleted state; fewer than <paramref name="batchSize"/> means the backlog is drained.</returns>
    public Task<IReadOnlyList<PurgedState>> PurgeExpiredBatchAsync(int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var parameters = new DynamicParameters();
        parameters.Add("batch_size", batchSize);
        return DbErrors.Translated(PurgeCoreAsync(_sql.PurgeExpiredBatch, parameters, cancellationToken));
    }

    private async Task<IReadOnlyList<PurgedState>> PurgeCoreAsync(string sql, DynamicParameters? parameters, CancellationToken cancellationToken)
    {
        var purged = new List<PurgedState>();
        var reader = await _connection.ExecuteReaderAsync(Command(sql, parameters, cancellationToken)).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            purged.Add(new PurgedState(reader.GetFieldValue<Guid>(0), reader.GetFieldValue<string>(1), PendingToolStateReader.Json(reader, 2)));
        }

        return purged;
    }

    private async Task<bool> ExecuteAffectsRowAsync(string sql, DynamicParameters parameters, CancellationToken cancellationToken)
        => await DbErrors.Translated(_connection.ExecuteAsync(Command(sql, parameters, cancellationToken))).ConfigureAwait(false) > 0;

    private async Task<bool> ScalarAffectsRowAsync(string sql, DynamicParameters parameters, CancellationToken cancellationToken)
        => await DbErrors.Translated(_connection.ExecuteScalarAsync<long>(Command(sql, parameters, cancellationToken))).ConfigureAwait(false) > 0;

    private CommandDefinition Command(string sql, object? parameters, CancellationToken cancellationToken)
        => new(sql, parameters, _transaction, CommandTimeouts.Seconds(_options.CommandTimeout), cancellationToken: cancellationToken);

    private static DynamicParameters Fence(PendingToolState claimed)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        if (claimed.ClaimToken is not { } token || claimed.ResumedAt is not { } resumedAt)
        {
            throw new ArgumentException("The state did not come from a claim: it carries no claim token. Use the overload that takes the conversation id.", nameof(claimed));
        }

        // A host may build the state itself (from its own cache, say): its text is checked like a caller's.
        Guard.StorableText(claimed.UserId ?? string.Empty, "The claimed state's user id", nameof(claimed));

        var parameters = new DynamicParameters();
        parameters.Add("id", claimed.Id);
        parameters.Add("user_id", claimed.UserId);
        parameters.Add("claim_token", token);
        parameters.Add("resumed_at", resumedAt);
        return parameters;
    }

    private static DynamicParameters Key(ConversationReference conversation, string userId)
    {
        var parameters = new DynamicParameters();
        conversation.AddTo(parameters);
        parameters.Add("user_id", userId);
        return parameters;
    }

    // Dapper maps RETURNING columns by name.
#pragma warning disable IDE1006, CA1812
    private sealed record SavedRow(Guid id, DateTime created_at, DateTime expires_at);
#pragma warning restore IDE1006, CA1812
}
