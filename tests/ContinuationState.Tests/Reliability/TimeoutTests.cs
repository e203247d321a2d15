using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Reliability;

/// <summary>A statement stuck behind a row lock surfaces as a typed timeout, and changes nothing.</summary>
public sealed class TimeoutTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ServerStatementTimeout_SurfacesAsContinuationStateTimeout()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await db.CreateService().SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        // Startup options do not pass through PgBouncer, so this one goes straight to the server.
        var builder = new NpgsqlConnectionStringBuilder(db.DirectConnectionString) { Options = "-c statement_timeout=200" };
        await using var timedSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var service = new ContinuationService(timedSource, Options.Create(new ContinuationStateOptions()));

        await using var blocker = await HoldRowLockAsync(conversation);
        var error = await Assert.ThrowsAsync<ContinuationStateTimeoutException>(() => service.ClaimStateAsync(conversation, "user-a"));
        await blocker.DisposeAsync();

        Assert.IsType<PostgresException>(error.InnerException);
        Assert.Equal("pending", await TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task CommandTimeoutOption_SurfacesAsContinuationStateTimeout()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        var service = db.CreateService(o => o.CommandTimeout = TimeSpan.FromSeconds(1));
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("before"));

        await using (await HoldRowLockAsync(conversation))
        {
            await Assert.ThrowsAsync<ContinuationStateTimeoutException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("after")));
        }

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("before", state!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task UnreachableServer_SurfacesAsContinuationStateTransient()
    {
        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = 1, Timeout = 2 };
        await using var deadSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var service = new ContinuationService(deadSource, Options.Create(new ContinuationStateOptions()));

        var error = await Assert.ThrowsAnyAsync<ContinuationStateTransientException>(() => service.LoadStateAsync(Guid.NewGuid().ToString(), "user-a"));

        Assert.IsAssignableFrom<NpgsqlException>(error.InnerException);
    }

    /// <summary>Locks the state's row in an open transaction until disposed.</summary>
    private async Task<LockHolder> HoldRowLockAsync(string conversation)
    {
        var connection = await db.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("SELECT 1 FROM pending_tool_state WHERE conversation_id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(conversation) });
        await command.ExecuteNonQueryAsync();
        return new LockHolder(connection, transaction);
    }

    private sealed class LockHolder(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
