#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using Microsoft.Extensions.Options;
using static ContinuationState.Tests.AgentSessions.Sessions;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>TTL by the database clock (time moved by rewriting expires_at, never by sleeping) and the purge.</summary>
public sealed class AgentSessionExpiryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Save_SetsTheExpiryByTheDatabaseClock_AndEachSaveExtendsIt()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, ttl: TimeSpan.FromHours(2));
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "one"));

        var seconds = await SecondsLeftAsync(key);
        Assert.InRange(seconds, 7190, 7200);

        // An hour and fifty minutes pass; a save puts the expiry two hours ahead again.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE agent_sessions SET expires_at = clock_timestamp() + interval '10 minutes' WHERE session_id = $1", key.SessionId);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "two"));
        Assert.InRange(await SecondsLeftAsync(key), 7190, 7200);
    }

    [Fact]
    public async Task Save_NeverShortensALongerExpiry()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        await Store(db, ttl: TimeSpan.FromDays(2)).SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "long"));

        await Store(db, ttl: TimeSpan.FromMinutes(5)).SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "short"));

        Assert.True(await SecondsLeftAsync(key) > 86400);
    }

    [Fact]
    public async Task AnExpiredSession_ReadsAsAbsent_BeforeThePurgeRemovesIt_AndASaveStartsItAfresh()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "old"));
        await ExpireAsync(key.SessionId);

        Assert.Null(await store.GetSessionAsync(agent, key));
        Assert.Null(NoteOf(await store.GetOrCreateSessionAsync(agent, key)));
        Assert.Equal(1, await RowsAsync(db, key.SessionId));

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "new"));
        Assert.Equal("new", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT created_at > clock_timestamp() - interval '1 minute' FROM agent_sessions WHERE session_id = $1", key.SessionId));
    }

    [Fact]
    public async Task Purge_DeletesExpiredSessionsOfEveryUserInBoundedBatches_AndReturnsTheirKeys()
    {
        var agent = Agent(new TravelAgent());
        await ClearAsync();
        var stores = Factory();
        var expired = new[]
        {
            (UserA, NewKey().WithPartition("tenant", "t1").WithPartition("region", "eu")),
            (UserA, NewKey()),
            (UserB, NewKey().WithPartition("tenant", "t2")),
        };
        foreach (var (user, key) in expired)
        {
            await stores.ForUser(user).SaveSessionAsync(agent, key, await agent.CreateSessionAsync());
            await ExpireAsync(key.SessionId);
        }

        var live = NewKey();
        await stores.ForUser(UserA).SaveSessionAsync(agent, live, await agent.CreateSessionAsync());

        var first = await stores.PurgeExpiredAsync(batchSize: 2);
        var second = await stores.PurgeExpiredAsync(batchSize: 2);
        var third = await stores.PurgeExpiredAsync(batchSize: 2);

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Empty(third);
        var purged = first.Concat(second).ToList();
        Assert.Equal(
            expired.Select(e => (e.Item1, "travel", e.Item2.SessionId, Partitions(e.Item2))).OrderBy(k => k.SessionId),
            purged.Select(p => (p.UserId, p.AgentId, p.SessionId, Partitions(p.Partitions))).OrderBy(k => k.SessionId));
        Assert.Equal(1, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM agent_sessions"));
        Assert.NotNull(await stores.ForUser(UserA).GetSessionAsync(agent, live));
    }

    [Fact]
    public async Task Purge_SkipsASessionAnotherTransactionHolds()
    {
        var agent = Agent(new TravelAgent());
        await ClearAsync();
        var stores = Factory();
        var held = NewKey();
        var free = NewKey();
        await stores.ForUser(UserA).SaveSessionAsync(agent, held, await agent.CreateSessionAsync());
        await stores.ForUser(UserA).SaveSessionAsync(agent, free, await agent.CreateSessionAsync());
        await ExpireAsync(held.SessionId);
        await ExpireAsync(free.SessionId);

        await using (var holder = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await using var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM agent_sessions WHERE session_id = $1 FOR UPDATE", holder, transaction);
            lockRow.Parameters.Add(new Npgsql.NpgsqlParameter { Value = held.SessionId });
            await lockRow.ExecuteNonQueryAsync();

            Assert.Equal([free.SessionId], (await stores.PurgeExpiredAsync()).Select(p => p.SessionId));
        }

        Assert.Equal([held.SessionId], (await stores.PurgeExpiredAsync()).Select(p => p.SessionId));
    }

    [Fact]
    public async Task Purge_WithABatchSizeBelowOne_Throws()
        => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Factory().PurgeExpiredAsync(0));

    [Fact]
    public void AStoreWithAnUnusableTtl_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Store(db, ttl: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Factory().ForUser(UserA, TimeSpan.FromDays(400)));
        Assert.Equal(TimeSpan.FromMinutes(30), Factory().ForUser(UserA).SessionTtl);
    }

    private AgentSessionStores Factory() => new(db.DataSource, Options.Create(new ContinuationStateOptions()));

    private static string Partitions(AgentSessionStoreKey key) => Partitions(key.Partitions ?? new Dictionary<string, string>());

    private static string Partitions(IReadOnlyDictionary<string, string> partitions)
        => string.Join(",", partitions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private async Task<double> SecondsLeftAsync(AgentSessionStoreKey key)
        => await TestData.ScalarAsync<double>(db.DataSource, "SELECT extract(epoch FROM expires_at - clock_timestamp())::float8 FROM agent_sessions WHERE session_id = $1", key.SessionId);

    private Task<int> ExpireAsync(string sessionId)
        => TestData.ExecuteAsync(db.DataSource, "UPDATE agent_sessions SET expires_at = clock_timestamp() - interval '1 second' WHERE session_id = $1", sessionId);

    // The purge takes every user's sessions, so tests that count what it returns start from an empty table.
    private Task<int> ClearAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM agent_sessions");
}
