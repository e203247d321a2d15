using ContinuationState.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// Hands out <see cref="PostgresCheckpointStore"/>s, one per user or tenant, on the library's data source and options,
/// so a host never builds connections itself; and purges expired sessions (as <see cref="ContinuationStateMaintenanceService"/>
/// does every tick). Registered as a singleton by <c>AddContinuationStateWorkflows()</c>.
/// </summary>
public sealed class WorkflowCheckpointStores
{
    /// <summary>The batch size <see cref="PurgeExpiredAsync"/> uses when none is given.</summary>
    public const int DefaultPurgeBatchSize = 100;

    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> _open;
    private readonly ContinuationStateOptions _options;

    /// <summary>Creates the factory on the host's data source.</summary>
    /// <param name="dataSource">Where connections come from; the schema must be migrated (<see cref="ContinuationStateMigrator"/>).</param>
    /// <param name="options">The library's options (schema, command timeout, JSON policies and limits, default TTL).</param>
    public WorkflowCheckpointStores(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options)
        : this(RegisteredDataSource.OpenFrom(dataSource), options)
    {
    }

    internal WorkflowCheckpointStores(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, IOptions<ContinuationStateOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _open = open;
        _options = options.Value;
    }

    /// <summary>A store scoped to <paramref name="userId"/>, whose sessions live <see cref="ContinuationStateOptions.DefaultTtl"/> after their latest write.</summary>
    /// <param name="userId">The user or tenant.</param>
    /// <returns>The store; cheap to create, holds no connection.</returns>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty, longer than 512 characters, or holds U+0000 or a lone surrogate.</exception>
    public PostgresCheckpointStore ForUser(string userId) => new(_open, userId, _options, null);

    /// <summary>A store scoped to <paramref name="userId"/>, whose sessions live <paramref name="sessionTtl"/> after their latest write.</summary>
    /// <param name="userId">The user or tenant.</param>
    /// <param name="sessionTtl">How long a session stays readable after its latest checkpoint was written.</param>
    /// <returns>The store; cheap to create, holds no connection.</returns>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty, longer than 512 characters, or holds U+0000 or a lone surrogate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sessionTtl"/> is not positive or longer than 365 days.</exception>
    public PostgresCheckpointStore ForUser(string userId, TimeSpan sessionTtl) => new(_open, userId, _options, sessionTtl);

    /// <summary>
    /// Deletes one batch of sessions, of every user, whose expiry has passed by the database clock, with their
    /// checkpoints. Sessions locked by a concurrent write are skipped (<c>SKIP LOCKED</c>), so replicas purging at once
    /// never wait on each other or take the same session. Call it until it returns fewer than
    /// <paramref name="batchSize"/> keys. A host running <see cref="ContinuationStateMaintenanceService"/> need not call
    /// it: the service runs the same statement every tick and hands the keys to <see cref="IContinuationStateEvents"/>.
    /// </summary>
    /// <param name="batchSize">The most sessions to delete in this call (each with all its checkpoints).</param>
    /// <param name="cancellationToken">Cancels the call; a cancelled batch deletes nothing.</param>
    /// <returns>The keys of the deleted sessions (the batch takes the longest-expired first), in no particular order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    /// <exception cref="ContinuationStateTransientException">The database was unreachable or the statement timed out.</exception>
    public Task<IReadOnlyList<PurgedWorkflowSession>> PurgeExpiredAsync(int batchSize = DefaultPurgeBatchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return PurgeCoreAsync(batchSize, cancellationToken);
    }

    // The core's statement, the one the maintenance service runs.
    private async Task<IReadOnlyList<PurgedWorkflowSession>> PurgeCoreAsync(int batchSize, CancellationToken cancellationToken)
    {
        var connection = await DbErrors.Translated(_open(cancellationToken).AsTask()).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await new WorkflowSessionRepository(connection, null, _options).PurgeExpiredBatchAsync(batchSize, cancellationToken).ConfigureAwait(false);
    }
}
