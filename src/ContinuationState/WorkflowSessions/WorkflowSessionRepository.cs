using Dapper;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// Runs <see cref="WorkflowSessionSql"/> on a connection the caller opened (and an optional transaction), with the
/// configured command timeout and the library's translated errors.
/// </summary>
internal sealed class WorkflowSessionRepository(NpgsqlConnection connection, NpgsqlTransaction? transaction, ContinuationStateOptions options)
{
    private readonly WorkflowSessionSql _sql = QualifiedNames.For(options.Schema).WorkflowSessionSql;

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> expired workflow sessions, of every user, with their checkpoints,
    /// in one short statement. Sessions another purger or a writer holds are skipped.
    /// </summary>
    /// <param name="batchSize">The most sessions to delete.</param>
    /// <param name="cancellationToken">Cancels the operation; a cancelled batch deletes nothing.</param>
    /// <returns>The keys of the deleted sessions; fewer than <paramref name="batchSize"/> means the backlog is drained.</returns>
    public Task<IReadOnlyList<PurgedWorkflowSession>> PurgeExpiredBatchAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return DbErrors.Translated(PurgeCoreAsync(batchSize, cancellationToken));
    }

    private async Task<IReadOnlyList<PurgedWorkflowSession>> PurgeCoreAsync(int batchSize, CancellationToken cancellationToken)
    {
        var command = new CommandDefinition(
            _sql.PurgeExpiredBatch, new { batch_size = batchSize }, transaction, CommandTimeouts.Seconds(options.CommandTimeout), cancellationToken: cancellationToken);
        var purged = await connection.QueryAsync<(string UserId, string SessionId)>(command).ConfigureAwait(false);
        return purged.Select(static k => new PurgedWorkflowSession(k.UserId, k.SessionId)).ToList();
    }
}
