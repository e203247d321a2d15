using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Reliability;

/// <summary>
/// Killed backends and cancelled operations: each operation happens whole or not at all, and no connection leaks.
/// Statements are held behind a table lock so the fault lands while the operation is in the server, not by timing.
/// </summary>
[Trait("Category", "NoPooler")]
public sealed class FaultTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly string _poolName = "faults-" + Guid.NewGuid().ToString("N")[..8];
    private NpgsqlDataSource _dataSource = null!;
    private ContinuationService _service = null!;

    public Task InitializeAsync()
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(db.DirectConnectionString)
        {
            ApplicationName = _poolName,
            MaxPoolSize = 4,
        }.ConnectionString)
        { Name = _poolName };
        _dataSource = builder.Build();
        _service = new ContinuationService(_dataSource, Options.Create(new ContinuationStateOptions()));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    public static TheoryData<string> Operations => ["save-new", "save-over", "load", "claim", "release", "delete", "mark", "revert", "purge"];

    [Fact]
    public async Task BackendTerminatedDuringAClaim_ClaimHappenedNotAtAll_AndThePoolRecovers()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await _service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());

        Task<PendingToolState?> claim;
        await using (var blocker = await TableLock.HoldAsync(db.DirectConnectionString))
        {
            claim = _service.ClaimStateAsync(conversation, "user-a");
            var pid = await blocker.WaitForBlockedBackendAsync(_poolName);
            await blocker.TerminateAsync(pid);
        }

        await Assert.ThrowsAnyAsync<ContinuationStateTransientException>(() => claim);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT resumed_at IS NULL AND claim_token IS NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
        Assert.NotNull(await _service.ClaimStateAsync(conversation, "user-a"));
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task CancelledWhileInTheServer_ChangesNothing_AndLeaksNoConnection(string operation)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        if (operation != "save-new")
        {
            await _service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("before"));
        }

        if (operation is "release" or "delete")
        {
            await _service.ClaimStateAsync(conversation, "user-a");
        }

        var before = await FingerprintAsync();
        using var cancellation = new CancellationTokenSource();
        Task running;
        await using (var blocker = await TableLock.HoldAsync(db.DirectConnectionString))
        {
            running = Run(operation, conversation, cancellation.Token);
            await blocker.WaitForBlockedBackendAsync(_poolName);
            // The gauge sees the blocked operation's connection, so its zero below means something.
            Assert.Equal(1, PoolStatistics.ConnectionsInUse(_poolName));
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        Assert.Equal(before, await FingerprintAsync());
        Assert.Equal(0, PoolStatistics.ConnectionsInUse(_poolName));
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task CancelledBeforeItStarts_ChangesNothing_AndLeaksNoConnection(string operation)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await _service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("before"));
        var before = await FingerprintAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(operation, conversation, new CancellationToken(canceled: true)));

        Assert.Equal(before, await FingerprintAsync());
        Assert.Equal(0, PoolStatistics.ConnectionsInUse(_poolName));
    }

    private Task Run(string operation, string conversation, CancellationToken token) => operation switch
    {
        "save-new" or "save-over" => _service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("after"), null, token),
        "load" => _service.LoadStateAsync(conversation, "user-a", token),
        "claim" => _service.ClaimStateAsync(conversation, "user-a", token),
        "release" => _service.ReleaseClaimAsync(conversation, "user-a", null, token),
        "delete" => _service.DeleteStateAsync(conversation, "user-a", token),
        "mark" => _service.MarkResumingAsync(conversation, "user-a", token),
        "revert" => _service.RevertStaleResumingAsync(TimeSpan.Zero, token),
        "purge" => _service.PurgeExpiredAsync(token),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    /// <summary>Every column of every row, hashed: equal fingerprints mean nothing changed.</summary>
    private async Task<string> FingerprintAsync()
        => await TestData.ScalarAsync<string>(db.DataSource, "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM pending_tool_state t") ?? "";

    /// <summary>Holds ACCESS EXCLUSIVE on pending_tool_state, so every statement on it waits in the server.</summary>
    private sealed class TableLock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;
        private readonly NpgsqlConnection _observer;

        private TableLock(NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlConnection observer)
        {
            _connection = connection;
            _transaction = transaction;
            _observer = observer;
        }

        public static async Task<TableLock> HoldAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE pending_tool_state IN ACCESS EXCLUSIVE MODE", connection, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            var observer = new NpgsqlConnection(connectionString);
            await observer.OpenAsync();
            return new TableLock(connection, transaction, observer);
        }

        /// <summary>Waits (by asking the server, not by sleeping) until a backend of the named pool waits on our lock.</summary>
        public async Task<int> WaitForBlockedBackendAsync(string applicationName)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            await using var command = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' LIMIT 1", _observer);
            command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
            while (DateTime.UtcNow < deadline)
            {
                if (await command.ExecuteScalarAsync() is int pid)
                {
                    return pid;
                }
            }

            throw new TimeoutException("No backend of the pool blocked on the table lock within 30 s.");
        }

        public async Task TerminateAsync(int pid)
        {
            await using var command = new NpgsqlCommand("SELECT pg_terminate_backend($1)", _observer);
            command.Parameters.Add(new NpgsqlParameter { Value = pid });
            await command.ExecuteScalarAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _transaction.RollbackAsync();
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
            await _observer.DisposeAsync();
        }
    }
}
