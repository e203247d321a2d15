using ContinuationState.Internal;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// Healthy when the database answers and every shipped migration is applied; degraded when more expired state
/// waits for the purge than <see cref="ExpiredBacklogThreshold"/> (the maintenance service is not keeping up, or
/// not running); unhealthy when the database is unreachable or the schema is behind. One round trip.
/// </summary>
public sealed class ContinuationStateHealthCheck : IHealthCheck
{
    private const string CheckTemplate = """
        SELECT
            (SELECT coalesce(array_agg(name), '{}') FROM {history}) AS applied,
            (SELECT count(*) FROM (SELECT 1 FROM {pending_tool_state} WHERE expires_at <= clock_timestamp() LIMIT @limit) AS x) AS expired
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _sql;

    /// <summary>Creates the check.</summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="options">The library's options (the schema).</param>
    public ContinuationStateHealthCheck(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _sql = QualifiedNames.For(options.Value.Schema).Qualify(CheckTemplate);
    }

    /// <summary>Expired rows beyond which the check reports degraded. Default 1,000.</summary>
    public int ExpiredBacklogThreshold { get; init; } = 1_000;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var row = await connection.QuerySingleAsync<(string[] Applied, long Expired)>(
                new CommandDefinition(_sql, new { limit = (long)ExpiredBacklogThreshold + 1 }, cancellationToken: cancellationToken)).ConfigureAwait(false);

            var missing = ContinuationStateMigrator.ShippedMigrations.Except(row.Applied, StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"Migrations not applied: {string.Join(", ", missing)}.");
            }

            return row.Expired > ExpiredBacklogThreshold
                ? HealthCheckResult.Degraded($"More than {ExpiredBacklogThreshold} expired states wait for the purge; is the maintenance service running?")
                : HealthCheckResult.Healthy();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The ContinuationState schema has not been migrated.", e);
        }
        catch (NpgsqlException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The database is unreachable.", e);
        }
    }
}
