using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using ContinuationState.Extensions.AI.Agents.Internal;
using ContinuationState.Internal;
using ContinuationState.Serialization;
using Microsoft.Agents.AI;
using Npgsql;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// A Microsoft Agent Framework <see cref="AgentSessionStore"/> in PostgreSQL, for one user or tenant. Sessions live in
/// <c>agent_sessions</c> (migration <c>0006_agent_sessions</c>), keyed by the store's <see cref="UserId"/>, the agent's
/// <see cref="AIAgent.Id"/>, the key's session id and all its partitions (in any order), and kept as <c>json</c> text
/// exactly as the agent serialized them. Every statement filters on <see cref="UserId"/>: another user's sessions are
/// invisible to every call.
/// </summary>
/// <remarks>
/// <para>
/// The framework's contract is experimental (MAAI001) and has changed shape twice; this class is the only one that
/// touches it. Key sessions by a stable agent id: an agent built without one (a <c>ChatClientAgent</c> with no
/// <c>ChatClientAgentOptions.Id</c>) gets a random id per instance, so another instance would never find its sessions.
/// </para>
/// <para>
/// A session expires <see cref="SessionTtl"/> after its latest save (a save never shortens a longer expiry); once
/// that time has passed by the database clock it reads as absent, whether or not
/// <see cref="AgentSessionStores.PurgeExpiredAsync"/> has removed it yet. Each call is one statement bounded by
/// <see cref="ContinuationStateOptions.CommandTimeout"/> and its <see cref="CancellationToken"/>. Thread-safe; holds
/// no connection between calls.
/// </para>
/// <para>
/// With <see cref="DetectConflicts"/>, a session handed out by <see cref="GetSessionAsync"/> carries the stored
/// version (an etag, in its <see cref="AgentSession.StateBag"/> under <see cref="ETagStateKey"/>), and a save that
/// would overwrite a newer one throws <see cref="AgentSessionConflictException"/> instead of the contract's last writer
/// wins. A session that did not come from the store (one the agent just created) may only create: saving it over a
/// live session is a conflict too.
/// </para>
/// </remarks>
[Experimental("MAAI001")]
public sealed class PostgresAgentSessionStore : AgentSessionStore
{
    /// <summary>
    /// The <see cref="AgentSession.StateBag"/> entry in which a store with <see cref="DetectConflicts"/> keeps the
    /// version of a session it handed out or saved (32 hex digits). It is serialized with the session and replaced
    /// on every read; leave it alone.
    /// </summary>
    public const string ETagStateKey = "ContinuationState.AgentSessionETag";

    private readonly AgentSessionRows _rows;
    private readonly ContinuationJsonOptions _json;
    private readonly double _ttlSeconds;

    /// <summary>Creates a store for <paramref name="userId"/> on the host's data source.</summary>
    /// <param name="dataSource">Where connections come from; the schema must be migrated (<see cref="ContinuationStateMigrator"/>).</param>
    /// <param name="userId">The user or tenant whose sessions this store reads and writes.</param>
    /// <param name="options">
    /// The library's options: <see cref="ContinuationStateOptions.Schema"/>, <see cref="ContinuationStateOptions.CommandTimeout"/>,
    /// and <see cref="ContinuationStateOptions.Json"/> (<see cref="ContinuationJsonOptions.MaxBytes"/> and the text
    /// policies). Defaults when null.
    /// </param>
    /// <param name="sessionTtl">How long a session stays readable after its latest save; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="detectConflicts">Refuse lost updates with <see cref="AgentSessionConflictException"/> (see the remarks).</param>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty, longer than 512 characters, or holds U+0000 or a lone surrogate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sessionTtl"/> is not positive or longer than 365 days.</exception>
    public PostgresAgentSessionStore(NpgsqlDataSource dataSource, string userId, ContinuationStateOptions? options = null, TimeSpan? sessionTtl = null, bool detectConflicts = false)
        : this(RegisteredDataSource.OpenFrom(dataSource), userId, options ?? new ContinuationStateOptions(), sessionTtl, detectConflicts)
    {
    }

    internal PostgresAgentSessionStore(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, string userId, ContinuationStateOptions options, TimeSpan? sessionTtl, bool detectConflicts)
    {
        Guard.UserId(userId);
        UserId = userId;
        SessionTtl = sessionTtl ?? options.DefaultTtl;
        _ttlSeconds = Guard.Ttl(SessionTtl, nameof(sessionTtl));
        DetectConflicts = detectConflicts;
        _json = options.Json;
        _rows = new AgentSessionRows(open, options);
    }

    /// <summary>The user or tenant this store is scoped to.</summary>
    public string UserId { get; }

    /// <summary>How long a session stays readable after its latest save.</summary>
    public TimeSpan SessionTtl { get; }

    /// <summary>Whether a save that would overwrite a change saved since the session was read is refused.</summary>
    public bool DetectConflicts { get; }

    /// <summary>
    /// Serializes <paramref name="session"/> with <paramref name="agent"/> and stores it under <paramref name="key"/> in
    /// one round trip, creating it or replacing the stored one and extending its expiry to at least
    /// <see cref="SessionTtl"/> from now.
    /// </summary>
    /// <param name="agent">The agent that owns the session; its <see cref="AIAgent.Id"/> is part of the key.</param>
    /// <param name="key">The session id and partitions.</param>
    /// <param name="session">The session to save.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the session is stored.</returns>
    /// <exception cref="ArgumentException">
    /// The agent id or session id is empty, longer than 200 characters, or holds U+0000 or a lone surrogate; a partition
    /// does; there are more than 16 partitions; or the whole key exceeds 2,000 bytes of UTF-8. Nothing was written.
    /// </exception>
    /// <exception cref="ContinuationJsonException">
    /// A string or name in the serialized session holds U+0000 or a lone surrogate and <see cref="ContinuationStateOptions.Json"/>'s
    /// policy rejects it (the default), or it nests deeper than allowed; the path names it. Nothing was written.
    /// </exception>
    /// <exception cref="StateTooLargeException">The serialized session exceeds <see cref="ContinuationJsonOptions.MaxBytes"/>. Nothing was written.</exception>
    /// <exception cref="AgentSessionConflictException">With <see cref="DetectConflicts"/>: the stored session changed since this one was read. Nothing was written.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable.</exception>
    /// <exception cref="ContinuationStateTimeoutException">The statement exceeded the command timeout.</exception>
    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default)
    {
        var rowKey = KeyOf(agent, key);
        ArgumentNullException.ThrowIfNull(session);
        Guid? expected = DetectConflicts ? StampOf(session) : null;

        var serialized = await agent.SerializeSessionAsync(session, cancellationToken: cancellationToken).ConfigureAwait(false);

        // The same copy under the library's text policies and size limit as any stored state: a session that needs no
        // change goes out as the bytes the agent wrote (key order and all), else the offending value's path is named
        // and nothing is sent.
        var utf8 = ContinuationJson.SerializeToUtf8Bytes(serialized, _json);
        var etag = Guid.NewGuid();
        if (!await _rows.SaveAsync(rowKey, utf8, etag, _ttlSeconds, DetectConflicts, expected, cancellationToken).ConfigureAwait(false))
        {
            throw new AgentSessionConflictException(rowKey.AgentId, rowKey.SessionId);
        }

        if (DetectConflicts)
        {
            Stamp(session, etag);
        }
    }

    /// <summary>Reads the live session stored under <paramref name="key"/> and deserializes it with <paramref name="agent"/>.</summary>
    /// <param name="agent">The agent that owns the session; its <see cref="AIAgent.Id"/> is part of the key.</param>
    /// <param name="key">The session id and partitions (in any order).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// A new, independent session; null when none is stored for this user, agent and key (never saved, deleted,
    /// expired, or another user's). Never creates one.
    /// </returns>
    /// <exception cref="ArgumentException">The key is not one this store could have written (see <see cref="SaveSessionAsync"/>).</exception>
    /// <exception cref="ContinuationStateException">The stored text is not JSON.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable.</exception>
    /// <exception cref="ContinuationStateTimeoutException">The statement exceeded the command timeout.</exception>
    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        var rowKey = KeyOf(agent, key);
        if (await _rows.GetAsync(rowKey, cancellationToken).ConfigureAwait(false) is not { } row)
        {
            return null;
        }

        JsonElement serialized;
        try
        {
            // The library's read limit, far above what any write accepts: options changed since the write never make
            // a stored session unreadable.
            serialized = JsonElement.Parse(row.Session, PendingToolStateReader.ReadOptions);
        }
        catch (JsonException e)
        {
            throw new ContinuationStateException($"The stored agent session '{Guard.Shorten(rowKey.SessionId)}' cannot be parsed: {e.Message}", e);
        }

        var session = await agent.DeserializeSessionAsync(serialized, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (DetectConflicts)
        {
            Stamp(session, row.ETag);
        }

        return session;
    }

    /// <summary>Deletes the session stored under <paramref name="key"/> for this user; nothing happens when there is none.</summary>
    /// <param name="agent">The agent that owns the session; its <see cref="AIAgent.Id"/> is part of the key.</param>
    /// <param name="key">The session id and partitions (in any order).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the session is gone.</returns>
    /// <exception cref="ArgumentException">The key is not one this store could have written (see <see cref="SaveSessionAsync"/>).</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable.</exception>
    /// <exception cref="ContinuationStateTimeoutException">The statement exceeded the command timeout.</exception>
    public override async ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
        => await _rows.DeleteAsync(KeyOf(agent, key), cancellationToken).ConfigureAwait(false);

    private AgentSessionKey KeyOf(AIAgent agent, AgentSessionStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        return AgentSessionKey.Create(UserId, agent.Id, key.SessionId, key.Partitions, nameof(agent), nameof(key));
    }

    // A stamp this store did not write (absent, or edited into something else) means "a session created afresh".
    private static Guid? StampOf(AgentSession session)
        => session.StateBag.TryGetValue<string>(ETagStateKey, out var stamp)
           && Guid.TryParseExact(stamp, "N", out var etag) ? etag : null;

    private static void Stamp(AgentSession session, Guid etag)
        => session.StateBag.SetValue(ETagStateKey, etag.ToString("N", CultureInfo.InvariantCulture));
}
