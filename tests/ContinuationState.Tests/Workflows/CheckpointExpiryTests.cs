using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.Options;
using static ContinuationState.Tests.Workflows.CheckpointStoreTests;

namespace ContinuationState.Tests.Workflows;

/// <summary>
/// A session's TTL: extended by every write, enforced at read by the database clock, purged in batches with the keys.
/// Time moves by back-dating expires_at with SQL, never by waiting. The purge acts on the whole table, so each test
/// starts from an empty one.
/// </summary>
public sealed class CheckpointExpiryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM workflow_sessions");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Create_SetsTheSessionsExpiryFromTheStoresTtl_ByTheDatabaseClock()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", sessionTtl: TimeSpan.FromHours(2));
        var session = NewSession();

        await store.CreateCheckpointAsync(session, Checkpoint(0));

        Assert.InRange(await RemainingAsync(session), TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Create_WithoutATtl_UsesTheLibrarysDefaultTtl()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", new ContinuationStateOptions { DefaultTtl = TimeSpan.FromMinutes(45) });
        var session = NewSession();

        await store.CreateCheckpointAsync(session, Checkpoint(0));

        Assert.Equal(TimeSpan.FromMinutes(45), store.SessionTtl);
        Assert.InRange(await RemainingAsync(session), TimeSpan.FromMinutes(44), TimeSpan.FromMinutes(45));
    }

    [Fact]
    public async Task Create_ExtendsTheWholeSession_NeverShortensIt()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", sessionTtl: TimeSpan.FromHours(1));
        var session = NewSession();
        var first = await store.CreateCheckpointAsync(session, Checkpoint(0));
        await SetExpiryAsync(session, "clock_timestamp() + interval '1 minute'");

        await store.CreateCheckpointAsync(session, Checkpoint(1), first);
        Assert.InRange(await RemainingAsync(session), TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));

        // A store with a shorter TTL leaves the longer expiry as it is.
        await SetExpiryAsync(session, "clock_timestamp() + interval '5 hours'");
        await new PostgresCheckpointStore(db.DataSource, "user-a", sessionTtl: TimeSpan.FromMinutes(1)).CreateCheckpointAsync(session, Checkpoint(2));
        Assert.True(await RemainingAsync(session) > TimeSpan.FromHours(4.9));

        // The first checkpoint lives as long as the session, not its own write time plus the TTL.
        Assert.Equal(0, (await store.RetrieveCheckpointAsync(session, first)).GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task ExpiredSession_ReadsAsAbsent_ToEveryCall()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var key = await store.CreateCheckpointAsync(session, Checkpoint(0));
        await store.CreateCheckpointAsync(session, Checkpoint(1), key);

        await SetExpiryAsync(session, "clock_timestamp() - interval '1 second'");

        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(session, key).AsTask());
        Assert.Empty(await store.RetrieveIndexAsync(session));
        Assert.Empty(await store.RetrieveIndexAsync(session, key));
        Assert.Null(await store.GetLatestCheckpointAsync(session));
        Assert.Null(await CheckpointManager.CreateJson(store).GetLatestCheckpointAsync(session));
        Assert.Equal(0, await store.PruneAsync(session, 1));
        Assert.Equal(2, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", session));
    }

    [Fact]
    public async Task ExpiredSession_WrittenAgain_StartsAfresh_WithoutItsOldCheckpoints()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var old = await store.CreateCheckpointAsync(session, Checkpoint(0));
        await SetExpiryAsync(session, "clock_timestamp() - interval '1 second'");

        var fresh = await store.CreateCheckpointAsync(session, Checkpoint(1));

        Assert.Equal([fresh], await store.RetrieveIndexAsync(session));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(session, old).AsTask());
        Assert.Equal(1, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", session));
        Assert.True(await RemainingAsync(session) > TimeSpan.FromMinutes(29));
    }

    [Fact]
    public async Task ExpiredSession_DeleteRemovesItButAnswersFalse()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        await store.CreateCheckpointAsync(session, Checkpoint(0));
        await SetExpiryAsync(session, "clock_timestamp() - interval '1 second'");

        Assert.False(await store.DeleteSessionAsync(session));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", session));
    }

    [Fact]
    public async Task Purge_DeletesExpiredSessionsWithTheirCheckpoints_AndReturnsTheirKeys()
    {
        var stores = new WorkflowCheckpointStores(db.DataSource, Options.Create(new ContinuationStateOptions()));
        var alice = stores.ForUser("alice");
        var bob = stores.ForUser("bob");
        var expiredA = NewSession();
        var expiredB = NewSession();
        var live = NewSession();
        await alice.CreateCheckpointAsync(expiredA, Checkpoint(0));
        await alice.CreateCheckpointAsync(expiredA, Checkpoint(1));
        await bob.CreateCheckpointAsync(expiredB, Checkpoint(0));
        await alice.CreateCheckpointAsync(live, Checkpoint(0));
        await SetExpiryAsync(expiredA, "clock_timestamp() - interval '2 seconds'");
        await SetExpiryAsync(expiredB, "clock_timestamp() - interval '1 second'");

        var purged = await stores.PurgeExpiredAsync();

        Assert.Equal(
            new HashSet<PurgedWorkflowSession> { new("alice", expiredA), new("bob", expiredB) },
            purged.ToHashSet());
        Assert.Equal(2, purged.Count);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = ANY($1)", (object)new[] { expiredA, expiredB }));
        Assert.Single(await alice.RetrieveIndexAsync(live));
        Assert.Empty(await stores.PurgeExpiredAsync());
    }

    [Fact]
    public async Task Purge_WorksInBoundedBatches()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var sessions = Enumerable.Range(0, 5).Select(_ => NewSession()).ToArray();
        foreach (var session in sessions)
        {
            await store.CreateCheckpointAsync(session, Checkpoint(0));
        }

        await TestData.ExecuteAsync(db.DataSource, "UPDATE workflow_sessions SET expires_at = clock_timestamp() - interval '1 second'");
        var stores = new WorkflowCheckpointStores(db.DataSource, Options.Create(new ContinuationStateOptions()));

        var batches = new List<int>();
        IReadOnlyList<PurgedWorkflowSession> batch;
        do
        {
            batch = await stores.PurgeExpiredAsync(batchSize: 2);
            batches.Add(batch.Count);
        }
        while (batch.Count == 2);

        Assert.Equal([2, 2, 1], batches);
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_sessions"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => stores.PurgeExpiredAsync(0));
    }

    [Fact]
    public async Task Purge_SkipsASessionAWriterHolds()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        await store.CreateCheckpointAsync(session, Checkpoint(0));
        await SetExpiryAsync(session, "clock_timestamp() - interval '1 second'");
        var stores = new WorkflowCheckpointStores(db.DataSource, Options.Create(new ContinuationStateOptions()));

        await using (var holder = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await using var lockSession = new Npgsql.NpgsqlCommand("SELECT 1 FROM workflow_sessions WHERE session_id = $1 FOR UPDATE", holder, transaction);
            lockSession.Parameters.Add(new Npgsql.NpgsqlParameter { Value = session });
            await lockSession.ExecuteNonQueryAsync();

            Assert.Empty(await stores.PurgeExpiredAsync());
        }

        Assert.Single(await stores.PurgeExpiredAsync());
    }

    private Task<int> SetExpiryAsync(string session, string expression)
        => TestData.ExecuteAsync(db.DataSource, $"UPDATE workflow_sessions SET expires_at = {expression} WHERE session_id = $1", session);

    private async Task<TimeSpan> RemainingAsync(string session)
        => await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - clock_timestamp() FROM workflow_sessions WHERE session_id = $1", session);
}
