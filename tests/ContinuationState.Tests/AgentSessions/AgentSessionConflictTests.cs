#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using static ContinuationState.Tests.AgentSessions.Sessions;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>The optional lost-update check: the contract's last writer wins, unless the store detects conflicts.</summary>
public sealed class AgentSessionConflictTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task WithoutTheCheck_TheLastWriterWins_AsTheContractSays()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "start"));
        var first = await store.GetSessionAsync(agent, key);
        var second = await store.GetSessionAsync(agent, key);

        first!.StateBag.SetValue("note", "first");
        second!.StateBag.SetValue("note", "second");
        await store.SaveSessionAsync(agent, key, first);
        await store.SaveSessionAsync(agent, key, second);

        Assert.Equal("second", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.False(first.StateBag.TryGetValue<string>(PostgresAgentSessionStore.ETagStateKey, out _));
    }

    [Fact]
    public async Task WithTheCheck_ASaveOverAChangeMadeSinceTheRead_ThrowsAConflict_AndKeepsTheOtherChange()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, detectConflicts: true);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "start"));
        var first = await store.GetSessionAsync(agent, key);
        var second = await Store(db, detectConflicts: true).GetSessionAsync(agent, key);

        first!.StateBag.SetValue("note", "first");
        second!.StateBag.SetValue("note", "second");
        await store.SaveSessionAsync(agent, key, first);
        var conflict = await Assert.ThrowsAsync<AgentSessionConflictException>(() => store.SaveSessionAsync(agent, key, second).AsTask());

        Assert.IsAssignableFrom<ContinuationStateException>(conflict);
        Assert.Equal(("travel", key.SessionId), (conflict.AgentId, conflict.SessionId));
        Assert.Equal("first", NoteOf(await store.GetSessionAsync(agent, key)));

        // The winner keeps saving (each save records the new version on the session); the loser reads again.
        first.StateBag.SetValue("note", "first, again");
        await store.SaveSessionAsync(agent, key, first);
        var reread = await store.GetSessionAsync(agent, key);
        reread!.StateBag.SetValue("note", "second, reapplied");
        await store.SaveSessionAsync(agent, key, reread);
        Assert.Equal("second, reapplied", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.Equal(1, await RowsAsync(db, key.SessionId));
    }

    [Fact]
    public async Task WithTheCheck_ConcurrentSavesOfOneRead_OneWins()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, detectConflicts: true);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "start"));
        var branches = new List<Microsoft.Agents.AI.AgentSession>();
        for (var i = 0; i < 8; i++)
        {
            var branch = await store.GetSessionAsync(agent, key);
            branch!.StateBag.SetValue("note", $"branch {i}");
            branches.Add(branch);
        }

        var outcomes = await Task.WhenAll(branches.Select(b => Task.Run(async () =>
        {
            try
            {
                await store.SaveSessionAsync(agent, key, b);
                return NoteOf(b);
            }
            catch (AgentSessionConflictException)
            {
                return null;
            }
        })));

        var winner = Assert.Single(outcomes, o => o is not null);
        Assert.Equal(winner, NoteOf(await store.GetSessionAsync(agent, key)));
    }

    [Fact]
    public async Task WithTheCheck_ANewSession_MayCreateButNotOverwriteALiveOne()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, detectConflicts: true);

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "created"));
        var fresh = await store.GetOrCreateSessionAsync(agent, NewKey());
        await Assert.ThrowsAsync<AgentSessionConflictException>(async () => await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "created elsewhere")));
        Assert.Equal("created", NoteOf(await store.GetSessionAsync(agent, key)));

        // Once the stored session has expired, a new one takes its place.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE agent_sessions SET expires_at = clock_timestamp() - interval '1 second' WHERE session_id = $1", key.SessionId);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "after expiry"));
        Assert.Equal("after expiry", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.Null(NoteOf(fresh));
    }

    [Fact]
    public async Task WithTheCheck_ADeletedSession_IsSavedAnew()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, detectConflicts: true);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "start"));
        var read = await store.GetSessionAsync(agent, key);

        await store.DeleteSessionAsync(agent, key);
        read!.StateBag.SetValue("note", "saved after the delete");
        await store.SaveSessionAsync(agent, key, read);

        Assert.Equal("saved after the delete", NoteOf(await store.GetSessionAsync(agent, key)));
    }
}
