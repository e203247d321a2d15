using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContinuationState.Internal;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// Applies the SQL migrations embedded in this library (the files of <c>migrations/</c>) to the configured schema.
/// Each applied migration is recorded with a SHA-256 checksum in <c>continuationstate_migrations</c>; an edited
/// applied migration is reported, never re-run. All pending migrations apply in one transaction under a
/// transaction-scoped advisory lock, so hosts starting at once migrate once, even behind PgBouncer.
/// </summary>
public sealed class ContinuationStateMigrator
{
    private const string CreateHistorySql = """
        CREATE TABLE IF NOT EXISTS {history} (
            name       TEXT PRIMARY KEY,
            checksum   TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly QualifiedNames _names;
    private readonly ILogger _logger;

    /// <summary>Creates the migrator.</summary>
    /// <param name="dataSource">Where connections come from; its role needs CREATE on the schema.</param>
    /// <param name="options">The library's options (the schema).</param>
    /// <param name="logger">Receives a line per applied migration.</param>
    public ContinuationStateMigrator(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options, ILogger<ContinuationStateMigrator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _names = QualifiedNames.For(options.Value.Schema);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The names of the migrations this library ships, in the order they apply.</summary>
    public static IReadOnlyList<string> ShippedMigrations => EmbeddedMigration.All.Select(m => m.Name).ToArray();

    /// <summary>Applies every migration the database has not recorded yet.</summary>
    /// <param name="cancellationToken">Cancels the operation; a cancelled run rolls back whole.</param>
    /// <returns>The names of the migrations applied by this call (empty when the schema was up to date).</returns>
    /// <exception cref="MigrationChecksumMismatchException">An applied migration differs from the shipped script.</exception>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // Taken before anything is read, so a second host waits here and then finds the work done.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey(_names.Schema) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var schemaExists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", new { schema = _names.Schema }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!schemaExists)
        {
            await connection.ExecuteAsync(new CommandDefinition($"CREATE SCHEMA {_names.QuotedSchema}", null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await connection.ExecuteAsync(new CommandDefinition(_names.Qualify(CreateHistorySql), null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var recorded = (await connection.QueryAsync<(string Name, string Checksum)>(new CommandDefinition(
            $"SELECT name, checksum FROM {_names.MigrationHistory}", null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.Name, r => r.Checksum, StringComparer.Ordinal);

        var applied = new List<string>();
        foreach (var migration in EmbeddedMigration.All)
        {
            if (recorded.TryGetValue(migration.Name, out var checksum))
            {
                if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
                {
                    throw new MigrationChecksumMismatchException(migration.Name, checksum, migration.Checksum);
                }

                continue;
            }

            // The scripts name tables unqualified, so a DBA can run them with psql; SET LOCAL points them at our schema.
            await connection.ExecuteAsync(new CommandDefinition($"SET LOCAL search_path TO {_names.QuotedSchema}", null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, null, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {_names.MigrationHistory} (name, checksum) VALUES (@name, @checksum)",
                new { name = migration.Name, checksum = migration.Checksum },
                transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            applied.Add(migration.Name);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in applied)
        {
            Log.MigrationApplied(_logger, name, _names.Schema);
        }

        if (applied.Count == 0)
        {
            Log.MigrationsUpToDate(_logger, _names.Schema);
        }

        return applied;
    }

    // A stable 64-bit key per schema: string.GetHashCode is randomized per process, so hash the bytes.
    internal static long LockKey(string schema)
        => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("ContinuationState.Migrations:" + schema)));
}
