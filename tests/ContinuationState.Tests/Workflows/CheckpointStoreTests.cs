using System.Text.Json;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Tests.Workflows;

/// <summary>The store's contract: commit order, the parent filter, lookups, isolation between sessions and users, delete.</summary>
public sealed class CheckpointStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Index_ThousandCheckpoints_ComeBackInCommitOrder_AndTheLastIsTheLatest()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var other = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var written = new List<CheckpointInfo>();
        CheckpointInfo? parent = null;
        for (var i = 0; i < 1000; i++)
        {
            parent = await store.CreateCheckpointAsync(session, Checkpoint(i), parent);
            written.Add(parent);

            // Another session writing in between: the sequence is shared, so the session's own values have gaps.
            if (i % 10 == 0)
            {
                await other.CreateCheckpointAsync(NewSession(), Checkpoint(i));
            }
        }

        var index = (await store.RetrieveIndexAsync(session)).ToList();

        Assert.Equal(written, index);
        Assert.Equal(written[^1], await store.GetLatestCheckpointAsync(session));
        Assert.Equal(written[^1], await CheckpointManager.CreateJson(store).GetLatestCheckpointAsync(session));
        Assert.Equal(999, (await store.RetrieveCheckpointAsync(session, index[^1])).GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task Index_ConcurrentWritersToOneSession_ListsEveryCheckpointOnce()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();

        var written = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () => await store.CreateCheckpointAsync(session, Checkpoint(i)))));

        var index = (await store.RetrieveIndexAsync(session)).ToList();
        Assert.Equal(40, index.Count);
        Assert.Equal(written.ToHashSet(), index.ToHashSet());
        Assert.Equal(index[^1], await store.GetLatestCheckpointAsync(session));
    }

    [Fact]
    public async Task Create_WaitsForAWriterHoldingTheSession_BeforeDrawingItsPlace_BoundedByTheCommandTimeout()
    {
        var session = NewSession();
        await new PostgresCheckpointStore(db.DataSource, "user-a").CreateCheckpointAsync(session, Checkpoint(0));
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", new ContinuationStateOptions { CommandTimeout = TimeSpan.FromSeconds(1) });

        // Another writer of the session (its row locked) has not committed: a write queues behind it, so its place in
        // the order is drawn after the other's commit, and the command timeout bounds the wait.
        await using (var holder = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await using var lockSession = new Npgsql.NpgsqlCommand("SELECT 1 FROM workflow_sessions WHERE session_id = $1 FOR UPDATE", holder, transaction);
            lockSession.Parameters.Add(new Npgsql.NpgsqlParameter { Value = session });
            await lockSession.ExecuteNonQueryAsync();

            await Assert.ThrowsAsync<ContinuationStateTimeoutException>(() => store.CreateCheckpointAsync(session, Checkpoint(1)).AsTask());
        }

        Assert.Single(await store.RetrieveIndexAsync(session));
    }

    [Fact]
    public async Task Index_WithParent_ListsOnlyThatParentsChildren_OldestFirst()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var root = await store.CreateCheckpointAsync(session, Checkpoint(0));
        var firstChild = await store.CreateCheckpointAsync(session, Checkpoint(1), root);
        var grandChild = await store.CreateCheckpointAsync(session, Checkpoint(2), firstChild);
        var secondChild = await store.CreateCheckpointAsync(session, Checkpoint(3), root);

        Assert.Equal([firstChild, secondChild], await store.RetrieveIndexAsync(session, root));
        Assert.Equal([grandChild], await store.RetrieveIndexAsync(session, firstChild));
        Assert.Empty(await store.RetrieveIndexAsync(session, grandChild));
        Assert.Equal([root, firstChild, grandChild, secondChild], await store.RetrieveIndexAsync(session));
        Assert.Equal(firstChild.CheckpointId, await TestData.ScalarAsync<string>(db.DataSource, "SELECT parent_checkpoint_id FROM workflow_checkpoints WHERE checkpoint_id = $1", grandChild.CheckpointId));
    }

    [Fact]
    public async Task Index_WithAParentOfAnotherSession_IsEmpty()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var root = await store.CreateCheckpointAsync(session, Checkpoint(0));
        await store.CreateCheckpointAsync(session, Checkpoint(1), root);

        Assert.Empty(await store.RetrieveIndexAsync(session, new CheckpointInfo(NewSession(), root.CheckpointId)));
    }

    [Fact]
    public async Task Create_ReturnsTheSessionAndANewGuid_AndStoresTheValueAsGiven()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var value = JsonElement.Parse("""{"$type":"x","b":[1,2.50,"é\u2028"],"a":{"$type":"y","z":null}}""");

        var key = await store.CreateCheckpointAsync(session, value);

        Assert.Equal(session, key.SessionId);
        Assert.True(Guid.TryParseExact(key.CheckpointId, "N", out _));
        Assert.Equal(value.GetRawText(), (await store.RetrieveCheckpointAsync(session, key)).GetRawText());
    }

    [Fact]
    public async Task Retrieve_UnknownCheckpoint_ThrowsKeyNotFound_AsTheFrameworksFileStoreDoes()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var key = await store.CreateCheckpointAsync(session, Checkpoint(0));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(session, new CheckpointInfo(session, Guid.NewGuid().ToString("N"))).AsTask());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(NewSession(), key).AsTask());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(NewSession(), new CheckpointInfo("elsewhere", key.CheckpointId)).AsTask());
        Assert.Empty(await store.RetrieveIndexAsync(NewSession()));
        Assert.Null(await store.GetLatestCheckpointAsync(NewSession()));
    }

    [Fact]
    public async Task Sessions_AreIsolatedFromEachOther()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var first = NewSession();
        var second = NewSession();
        var a = await store.CreateCheckpointAsync(first, Checkpoint(1));
        var b = await store.CreateCheckpointAsync(second, Checkpoint(2));

        Assert.Equal([a], await store.RetrieveIndexAsync(first));
        Assert.Equal([b], await store.RetrieveIndexAsync(second));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(second, new CheckpointInfo(second, a.CheckpointId)).AsTask());
        Assert.True(await store.DeleteSessionAsync(first));
        Assert.Equal([b], await store.RetrieveIndexAsync(second));
    }

    [Fact]
    public async Task AnotherUsersSession_IsInvisibleToEveryCall_AndSurvivesTheirDelete()
    {
        var owner = new PostgresCheckpointStore(db.DataSource, "owner");
        var intruder = new PostgresCheckpointStore(db.DataSource, "intruder");
        var session = NewSession();
        var root = await owner.CreateCheckpointAsync(session, Checkpoint(1));
        var child = await owner.CreateCheckpointAsync(session, Checkpoint(2), root);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => intruder.RetrieveCheckpointAsync(session, root).AsTask());
        Assert.Empty(await intruder.RetrieveIndexAsync(session));
        Assert.Empty(await intruder.RetrieveIndexAsync(session, root));
        Assert.Null(await intruder.GetLatestCheckpointAsync(session));
        Assert.Equal(0, await intruder.PruneAsync(session, 1));
        Assert.False(await intruder.DeleteSessionAsync(session));

        // The same session id used by the intruder is a session of the intruder's own, and leaves the owner's alone.
        var theirs = await intruder.CreateCheckpointAsync(session, Checkpoint(3));
        Assert.Equal([theirs], await intruder.RetrieveIndexAsync(session));
        Assert.Equal([root, child], await owner.RetrieveIndexAsync(session));
        Assert.Equal(1, (await owner.RetrieveCheckpointAsync(session, root)).GetProperty("step").GetInt32());
        Assert.Equal(2, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE user_id = 'owner' AND session_id = $1", session));
    }

    [Fact]
    public async Task DeleteSession_RemovesTheSessionAndEveryCheckpoint()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var key = await store.CreateCheckpointAsync(session, Checkpoint(1));
        await store.CreateCheckpointAsync(session, Checkpoint(2), key);

        Assert.True(await store.DeleteSessionAsync(session));

        Assert.Empty(await store.RetrieveIndexAsync(session));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(session, key).AsTask());
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", session));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_sessions WHERE session_id = $1", session));
        Assert.False(await store.DeleteSessionAsync(session));
    }

    [Fact]
    public async Task Prune_KeepsTheLastNByCommitOrder()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var written = new List<CheckpointInfo>();
        for (var i = 0; i < 6; i++)
        {
            written.Add(await store.CreateCheckpointAsync(session, Checkpoint(i), written.LastOrDefault()));
        }

        Assert.Equal(4, await store.PruneAsync(session, 2));

        Assert.Equal(written[^2..], await store.RetrieveIndexAsync(session));
        Assert.Equal(0, await store.PruneAsync(session, 2));
        Assert.Equal(0, await store.PruneAsync(session, 10));
        Assert.Equal(1, await store.PruneAsync(session, 1));
        Assert.Equal([written[^1]], await store.RetrieveIndexAsync(session));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PruneAsync(session, 0));
    }

    [Fact]
    public async Task Reads_NeverPrune()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        var keys = new List<CheckpointInfo>();
        for (var i = 0; i < 5; i++)
        {
            keys.Add(await store.CreateCheckpointAsync(session, Checkpoint(i)));
        }

        foreach (var key in keys)
        {
            await store.RetrieveCheckpointAsync(session, key);
        }

        await store.RetrieveIndexAsync(session);
        await store.GetLatestCheckpointAsync(session);

        Assert.Equal(5, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", session));
    }

    [Fact]
    public async Task CustomSchema_IsWhereTheCheckpointsGo()
    {
        var options = new ContinuationStateOptions { Schema = "wf schema" };
        await new ContinuationStateMigrator(db.DataSource, Microsoft.Extensions.Options.Options.Create(options)).MigrateAsync();
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", options);
        var session = NewSession();

        var key = await store.CreateCheckpointAsync(session, Checkpoint(1));

        Assert.Equal([key], await store.RetrieveIndexAsync(session));
        Assert.Equal(1, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM \"wf schema\".workflow_checkpoints WHERE session_id = $1", session));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM public.workflow_checkpoints WHERE session_id = $1", session));
    }

    internal static string NewSession() => Guid.NewGuid().ToString("N");

    internal static JsonElement Checkpoint(int step) => JsonSerializer.SerializeToElement(new { step, note = "checkpoint " + step });
}
