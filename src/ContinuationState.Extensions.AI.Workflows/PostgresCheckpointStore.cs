using System.Text.Json;
using ContinuationState.Extensions.AI.Workflows.Internal;
using ContinuationState.Internal;
using ContinuationState.Serialization;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Agents.AI.Workflows.Checkpointing;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// A Microsoft Agent Framework checkpoint store in PostgreSQL, for one user or tenant: hand it to
/// <c>CheckpointManager.CreateJson(store)</c>. Checkpoints live in <c>workflow_checkpoints</c> (migration
/// <c>0005_workflow_checkpoints</c>), kept as <c>json</c> text exactly as the framework wrote it, so the framework's
/// default options read it back. Every statement filters on the store's <see cref="UserId"/>: another user's
/// sessions and checkpoints are invisible to every call.
/// </summary>
/// <remarks>
/// <para>
/// A session's checkpoints expire together: each checkpoint written extends the session to at least
/// <see cref="SessionTtl"/> from now, and once that time has passed by the database clock the session reads as
/// absent (whether or not <see cref="WorkflowCheckpointStores.PurgeExpiredAsync"/> has removed it yet). A write to an
/// expired session starts it afresh; its old checkpoints are deleted, never brought back.
/// </para>
/// <para>
/// The three <see cref="ICheckpointStore{TStoreObject}"/> methods take no <see cref="CancellationToken"/>: each runs
/// one statement bounded by <see cref="ContinuationStateOptions.CommandTimeout"/> (else the data source's
/// <c>Command Timeout</c>, 30 seconds by default), after waiting at most the connection string's <c>Timeout</c>
/// (15 seconds by default) for a connection. The store's own methods take a token as well.
/// </para>
/// <para>
/// Nothing is pruned while reading or writing: old checkpoints stay until the session expires or is deleted, or a
/// caller prunes them with <see cref="PruneAsync"/> (after a resume succeeded). Thread-safe; holds no connection
/// between calls.
/// </para>
/// </remarks>
public sealed class PostgresCheckpointStore : JsonCheckpointStore
{
    /// <summary>
    /// Longer session ids are refused: the id is part of two index keys, whose entries PostgreSQL caps at about
    /// 2.7 kB together with the user id. The framework's own ids are 32 characters.
    /// </summary>
    public const int MaxSessionIdLength = 200;

    private readonly StatementRunner _runner;
    private readonly WorkflowCheckpointSql _sql;
    private readonly ContinuationJsonOptions _json;
    private readonly double _ttlSeconds;

    /// <summary>Creates a store for <paramref name="userId"/> on the host's data source.</summary>
    /// <param name="dataSource">Where connections come from; the schema must be migrated (<see cref="ContinuationStateMigrator"/>).</param>
    /// <param name="userId">The user or tenant whose checkpoints this store reads and writes.</param>
    /// <param name="options">
    /// The library's options: <see cref="ContinuationStateOptions.Schema"/>, <see cref="ContinuationStateOptions.CommandTimeout"/>,
    /// and <see cref="ContinuationStateOptions.Json"/> (<see cref="ContinuationJsonOptions.MaxBytes"/> and the text
    /// policies). Defaults when null.
    /// </param>
    /// <param name="sessionTtl">How long a session lives after its latest write; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty, longer than 512 characters, or holds U+0000 or a lone surrogate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sessionTtl"/> is not positive or longer than 365 days.</exception>
    public PostgresCheckpointStore(NpgsqlDataSource dataSource, string userId, ContinuationStateOptions? options = null, TimeSpan? sessionTtl = null)
        : this(RegisteredDataSource.OpenFrom(dataSource), userId, options ?? new ContinuationStateOptions(), sessionTtl)
    {
    }

    internal PostgresCheckpointStore(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, string userId, ContinuationStateOptions options, TimeSpan? sessionTtl)
    {
        Guard.UserId(userId);
        UserId = userId;
        SessionTtl = sessionTtl ?? options.DefaultTtl;
        _ttlSeconds = Guard.Ttl(SessionTtl, nameof(sessionTtl));
        _json = options.Json;
        _runner = new StatementRunner(open, options);
        _sql = WorkflowCheckpointSql.For(QualifiedNames.For(options.Schema));
    }

    /// <summary>The user or tenant this store is scoped to.</summary>
    public string UserId { get; }

    /// <summary>How long a session stays readable after its latest checkpoint was written.</summary>
    public TimeSpan SessionTtl { get; }

    /// <summary>
    /// Stores <paramref name="value"/> as a new checkpoint of <paramref name="sessionId"/> in one round trip, creating
    /// the session or extending its expiry to at least <see cref="SessionTtl"/> from now. Bounded by the command timeout.
    /// </summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="value">The checkpoint, as the framework serialized it.</param>
    /// <param name="parent">The checkpoint this one follows, if any; stored for <see cref="RetrieveIndexAsync"/>'s filter.</param>
    /// <returns>The new checkpoint's key: <paramref name="sessionId"/> and a new GUID (32 hex digits).</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="sessionId"/> is empty, longer than <see cref="MaxSessionIdLength"/>, or holds U+0000 or a lone
    /// surrogate; <paramref name="value"/> is <c>default</c>; or <paramref name="parent"/> belongs to another session
    /// or has an id PostgreSQL text cannot hold. Nothing was written.
    /// </exception>
    /// <exception cref="ContinuationJsonException">
    /// A string or name in the checkpoint holds U+0000 or a lone surrogate and <see cref="ContinuationStateOptions.Json"/>'s
    /// policy rejects it (the default), or it nests deeper than allowed; the path names it. Nothing was written.
    /// </exception>
    /// <exception cref="StateTooLargeException">The checkpoint's JSON exceeds <see cref="ContinuationJsonOptions.MaxBytes"/>. Nothing was written.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public override async ValueTask<CheckpointInfo> CreateCheckpointAsync(string sessionId, JsonElement value, CheckpointInfo? parent = null)
    {
        CheckSessionId(sessionId);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The checkpoint is an undefined JsonElement (default); there is nothing to store.", nameof(value));
        }

        string? parentId = null;
        if (parent is not null)
        {
            if (!string.Equals(parent.SessionId, sessionId, StringComparison.Ordinal))
            {
                throw new ArgumentException("The parent checkpoint belongs to another session.", nameof(parent));
            }

            CheckCheckpointId(parent.CheckpointId, nameof(parent));
            parentId = parent.CheckpointId;
        }

        // The same check under the library's text policies and size limit as any stored state. A checkpoint that needs
        // no change goes out as the bytes the framework wrote, escapes and all (the copy path jsonb columns use: it
        // keeps the text, which a json column stores as is); one that does is walked, and the path of the offending
        // value named, before anything is sent. Sent from the pooled buffer it was written to: no copy of a large checkpoint.
        using var json = new JsonColumnWriter(_json, new ContinuationJsonBudget(_json.MaxBytes), JsonColumnWriter.ParsedJsonLength(value), forJsonb: true);
        json.Write(value, "$");
        var utf8 = json.WrittenMemory;
        var checkpointId = Guid.NewGuid().ToString("N");
        await SendAsync().ConfigureAwait(false);
        return new CheckpointInfo(sessionId, checkpointId);

        Task<int> SendAsync() => _runner.RunAsync(
            _sql.Create,
            p =>
            {
                BindSession(p, sessionId);
                p.Add(new NpgsqlParameter<double>("ttl_seconds", NpgsqlDbType.Double) { TypedValue = _ttlSeconds });
                StatementRunner.Text(p, "checkpoint_id", checkpointId);
                StatementRunner.Text(p, "parent_checkpoint_id", parentId);
                p.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("checkpoint", NpgsqlDbType.Json) { TypedValue = utf8 });
            },
            static (command, ct) => command.ExecuteNonQueryAsync(ct),
            CancellationToken.None);
    }

    /// <summary>Reads one checkpoint of a live session of this store's user. Bounded by the command timeout.</summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="key">The checkpoint's key, as <see cref="CreateCheckpointAsync"/> returned it.</param>
    /// <returns>The checkpoint as it was stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a storable session id.</exception>
    /// <exception cref="KeyNotFoundException">
    /// No such checkpoint: never written, pruned, deleted, of another user, of an expired session, or a
    /// <paramref name="key"/> of another session (as the framework's file-system store answers).
    /// </exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public override async ValueTask<JsonElement> RetrieveCheckpointAsync(string sessionId, CheckpointInfo key)
    {
        CheckSessionId(sessionId);
        ArgumentNullException.ThrowIfNull(key);
        if (!string.Equals(key.SessionId, sessionId, StringComparison.Ordinal) || !IsStorableCheckpointId(key.CheckpointId))
        {
            throw NotFound(key);
        }

        var utf8 = await _runner.RunAsync(
            _sql.Retrieve,
            p =>
            {
                BindSession(p, sessionId);
                StatementRunner.Text(p, "checkpoint_id", key.CheckpointId);
            },
            static async (command, ct) =>
            {
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false) ? reader.GetFieldValue<byte[]>(0) : null;
            },
            CancellationToken.None).ConfigureAwait(false);

        return utf8 is null ? throw NotFound(key) : Parse(utf8, key);
    }

    /// <summary>
    /// Lists a live session's checkpoints in commit order, oldest first (the framework resumes the last), optionally
    /// only those whose parent is <paramref name="withParent"/>. Bounded by the command timeout.
    /// </summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="withParent">When set, only the checkpoints written with this parent.</param>
    /// <returns>The keys, oldest first; empty for an unknown, expired, deleted or other user's session.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a storable session id.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public override async ValueTask<IEnumerable<CheckpointInfo>> RetrieveIndexAsync(string sessionId, CheckpointInfo? withParent = null)
    {
        CheckSessionId(sessionId);
        if (withParent is not null
            && (!string.Equals(withParent.SessionId, sessionId, StringComparison.Ordinal) || !IsStorableCheckpointId(withParent.CheckpointId)))
        {
            return [];
        }

        return await _runner.RunAsync(
            withParent is null ? _sql.Index : _sql.IndexWithParent,
            p =>
            {
                BindSession(p, sessionId);
                if (withParent is not null)
                {
                    StatementRunner.Text(p, "parent_checkpoint_id", withParent.CheckpointId);
                }
            },
            (command, ct) => ReadKeysAsync(command, sessionId, ct),
            CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The session's most recently committed checkpoint, read without listing the others.</summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The latest checkpoint's key, or null for an unknown, empty, expired, deleted or other user's session.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a storable session id.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public async Task<CheckpointInfo?> GetLatestCheckpointAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        CheckSessionId(sessionId);
        var keys = await _runner.RunAsync(
            _sql.Latest,
            p => BindSession(p, sessionId),
            (command, ct) => ReadKeysAsync(command, sessionId, ct),
            cancellationToken).ConfigureAwait(false);
        return keys.Count == 0 ? null : keys[0];
    }

    /// <summary>Deletes a session of this store's user with all its checkpoints.</summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// True when a live session was deleted; false when there was none for this user (another user's session is left
    /// alone) or it had expired (it is deleted all the same).
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a storable session id.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        CheckSessionId(sessionId);
        return _runner.RunAsync(
            _sql.DeleteSession,
            p => BindSession(p, sessionId),
            static async (command, ct) => await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true,
            cancellationToken);
    }

    /// <summary>
    /// Deletes all but the <paramref name="keepLast"/> most recently committed checkpoints of a live session. Call it
    /// after a resume succeeded, never before: an older checkpoint may be the one a failed resume has to start from
    /// again. Never called by the store itself.
    /// </summary>
    /// <param name="sessionId">The workflow session.</param>
    /// <param name="keepLast">How many of the newest checkpoints to keep; at least 1.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many checkpoints were deleted (0 for an unknown, expired or other user's session).</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a storable session id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepLast"/> is less than 1.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public Task<int> PruneAsync(string sessionId, int keepLast, CancellationToken cancellationToken = default)
    {
        CheckSessionId(sessionId);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        return _runner.RunAsync(
            _sql.Prune,
            p =>
            {
                BindSession(p, sessionId);
                p.Add(new NpgsqlParameter<int>("keep_last", NpgsqlDbType.Integer) { TypedValue = keepLast });
            },
            static (command, ct) => command.ExecuteNonQueryAsync(ct),
            cancellationToken);
    }

    /// <summary>Refuses a session id PostgreSQL cannot store or index, before anything is sent.</summary>
    internal static void CheckSessionId(string sessionId, string parameterName = "sessionId")
        => Guard.Id(sessionId, "Session id", MaxSessionIdLength, parameterName);

    private static void CheckCheckpointId(string checkpointId, string parameterName)
    {
        if (!IsStorableCheckpointId(checkpointId))
        {
            throw new ArgumentException(
                $"The parent checkpoint id must be 1 to {MaxSessionIdLength} characters of text PostgreSQL can store (no U+0000, no lone surrogate).",
                parameterName);
        }
    }

    // A key this store cannot have written (empty, too long, or text PostgreSQL cannot hold) is simply not there.
    private static bool IsStorableCheckpointId(string? checkpointId)
        => !string.IsNullOrEmpty(checkpointId) && checkpointId.Length <= MaxSessionIdLength && UnstorableText.IndexOf(checkpointId) < 0;

    private void BindSession(NpgsqlParameterCollection parameters, string sessionId)
    {
        StatementRunner.Text(parameters, "user_id", UserId);
        StatementRunner.Text(parameters, "session_id", sessionId);
    }

    private static async Task<List<CheckpointInfo>> ReadKeysAsync(NpgsqlCommand command, string sessionId, CancellationToken cancellationToken)
    {
        var keys = new List<CheckpointInfo>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new CheckpointInfo(sessionId, reader.GetString(0)));
        }

        return keys;
    }

    private static JsonElement Parse(byte[] utf8, CheckpointInfo key)
    {
        try
        {
            // The element owns its copy of the bytes, so it outlives this call as the framework expects. The library's
            // read limit, far above what any write accepts: options changed since the write never make it unreadable.
            return JsonElement.Parse(utf8, PendingToolStateReader.ReadOptions);
        }
        catch (JsonException e)
        {
            throw new ContinuationStateException($"The stored workflow checkpoint '{key.CheckpointId}' cannot be parsed: {e.Message}", e);
        }
    }

    private static KeyNotFoundException NotFound(CheckpointInfo key)
        => new($"Checkpoint '{Guard.Shorten(key.CheckpointId)}' of session '{Guard.Shorten(key.SessionId)}' was not found (never written, deleted, pruned, expired, or another user's).");
}
