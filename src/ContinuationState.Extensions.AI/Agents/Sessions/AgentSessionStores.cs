using System.Diagnostics.CodeAnalysis;
using ContinuationState.Extensions.AI.Agents.Internal;
using ContinuationState.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// Hands out <see cref="PostgresAgentSessionStore"/>s, one per user or tenant, on the library's data source and
/// options, so a host never builds connections itself; and purges expired sessions. Registered as a singleton by
/// <c>AddContinuationStateAgentSessions()</c>.
/// </summary>
public sealed class AgentSessionStores
{
    /// <summary>The batch size <see cref="PurgeExpiredAsync"/> uses when none is given.</summary>
    public const int DefaultPurgeBatchSize = 100;

    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> _open;
    private readonly ContinuationStateOptions _options;
    private readonly AgentSessionRows _rows;

    /// <summary>Creates the factory on the host's data source.</summary>
    /// <param name="dataSource">Where connections come from; the schema must be migrated (<see cref="ContinuationStateMigrator"/>).</param>
    /// <param name="options">The library's options (schema, command timeout, JSON policies and limits, default TTL).</param>
    public AgentSessionStores(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options)
        : this(RegisteredDataSource.OpenFrom(dataSource), options)
    {
    }

    internal AgentSessionStores(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, IOptions<ContinuationStateOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _open = open;
        _options = options.Value;
        _rows = new AgentSessionRows(open, _options);
    }

    /// <summary>A store scoped to <paramref name="userId"/>.</summary>
    /// <param name="userId">The user or tenant whose sessions the store reads and writes.</param>
    /// <param name="sessionTtl">How long a session stays readable after its latest save; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="detectConflicts">
    /// Refuse a save that would overwrite a change saved since the session was read, with
    /// <see cref="AgentSessionConflictException"/>, instead of the contract's last writer wins.
    /// </param>
    /// <returns>The store; cheap to create, holds no connection.</returns>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty, longer than 512 characters, or holds U+0000 or a lone surrogate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sessionTtl"/> is not positive or longer than 365 days.</exception>
    [Experimental("MAAI001")]
    public PostgresAgentSessionStore ForUser(string userId, TimeSpan? sessionTtl = null, bool detectConflicts = false)
        => new(_open, userId, _options, sessionTtl, detectConflicts);

    /// <summary>
    /// Deletes one batch of agent sessions, of every user, whose expiry has passed by the database clock. Sessions
    /// locked by a concurrent save are skipped (<c>SKIP LOCKED</c>), so replicas purging at once never wait on each
    /// other or take the same session. Call it until it returns fewer than <paramref name="batchSize"/> keys.
    /// </summary>
    /// <param name="batchSize">The most sessions to delete in this call.</param>
    /// <param name="cancellationToken">Cancels the call; a cancelled batch deletes nothing.</param>
    /// <returns>The keys of the deleted sessions (the batch takes the longest-expired first), in no particular order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable.</exception>
    /// <exception cref="ContinuationStateTimeoutException">The statement exceeded the command timeout.</exception>
    public Task<IReadOnlyList<PurgedAgentSession>> PurgeExpiredAsync(int batchSize = DefaultPurgeBatchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return _rows.PurgeExpiredAsync(batchSize, cancellationToken);
    }
}
