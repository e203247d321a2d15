#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using static ContinuationState.Tests.AgentSessions.Sessions;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>The store's contract with a real ChatClientAgent: round trips across instances, the key, isolation, delete.</summary>
public sealed class AgentSessionStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ASessionSavedOnOneInstance_LoadedOnAnother_ContinuesTheConversation()
    {
        var travel = new TravelAgent();
        var agent = Agent(travel);
        var session = await agent.CreateSessionAsync();
        var first = await agent.RunAsync("book a flight", session);
        var request = first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var key = NewKey();
        await Store(db).SaveSessionAsync(agent, key, session);

        // Another replica: its own model, agent (same id) and store.
        var replica = new TravelAgent();
        var replicaAgent = Agent(replica);
        var restored = await Store(db).GetSessionAsync(replicaAgent, key);
        Assert.NotNull(restored);
        var answer = await replicaAgent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(true)]), restored);

        Assert.Equal("Done. call-book: booked a seat to Oslo", answer.Text);
        Assert.Equal(1, replica.Bookings);
        Assert.Equal(0, travel.Bookings);
        Assert.Equal(1, await RowsAsync(db, key.SessionId));
    }

    [Fact]
    public async Task Save_KeepsTheSessionAsTheAgentSerializedIt_AndOneRowPerKey()
    {
        var agent = Agent(new TravelAgent());
        var session = await SessionWithNoteAsync(agent, "first");
        var key = NewKey();
        var store = Store(db);

        await store.SaveSessionAsync(agent, key, session);
        var written = (await agent.SerializeSessionAsync(session)).GetRawText();
        Assert.Equal(written, await TestData.ScalarAsync<string>(db.DataSource, "SELECT session::text FROM agent_sessions WHERE session_id = $1", key.SessionId));

        session.StateBag.SetValue("note", "second");
        await store.SaveSessionAsync(agent, key, session);

        Assert.Equal(1, await RowsAsync(db, key.SessionId));
        Assert.Equal("second", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.Equal("user-a|travel|{}", await TestData.ScalarAsync<string>(db.DataSource, "SELECT user_id || '|' || agent_id || '|' || partitions::text FROM agent_sessions WHERE session_id = $1", key.SessionId));
    }

    [Fact]
    public async Task TheSessionText_ComesBackAsWritten_TypeDiscriminatorFirst()
    {
        // jsonb would sort "b" before "$type"; the framework reads "$type" only as the first key (agent-framework#2962).
        var agent = new JsonAgent();
        var key = NewKey();
        const string Written = """{"$type":"x","b":[1,2.50,"é"],"a":{"$type":"y","z":null}}""";
        var store = Store(db);

        await store.SaveSessionAsync(agent, key, JsonAgent.Session(Written));

        Assert.Equal(Written, (await agent.SerializeSessionAsync((await store.GetSessionAsync(agent, key))!)).GetRawText());
    }

    [Fact]
    public async Task Get_ReturnsAnIndependentSessionEachTime_AndNullWhenNothingIsStored()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);
        Assert.Null(await store.GetSessionAsync(agent, key));

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "stored"));
        var one = await store.GetSessionAsync(agent, key);
        var two = await store.GetSessionAsync(agent, key);
        one!.StateBag.SetValue("note", "changed in one branch");

        Assert.NotSame(one, two);
        Assert.Equal("stored", NoteOf(two));
        Assert.Equal("stored", NoteOf(await store.GetSessionAsync(agent, key)));
    }

    [Fact]
    public async Task GetOrCreate_CreatesOnlyWhenNothingIsStored_AndWritesNothing()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);

        var created = await store.GetOrCreateSessionAsync(agent, key);
        Assert.Null(NoteOf(created));
        Assert.Equal(0, await RowsAsync(db, key.SessionId));

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "stored"));
        Assert.Equal("stored", NoteOf(await store.GetOrCreateSessionAsync(agent, key)));
    }

    [Fact]
    public async Task Partitions_InAnyOrder_NameTheSameSession_AndEveryPartitionIsPartOfTheKey()
    {
        var agent = Agent(new TravelAgent());
        var id = Guid.NewGuid().ToString("N");
        var store = Store(db);
        var tenantFirst = new AgentSessionStoreKey(id, new Dictionary<string, string> { ["tenant"] = "t1", ["region"] = "eu" });
        var regionFirst = new AgentSessionStoreKey(id).WithPartition("region", "eu").WithPartition("tenant", "t1");

        await store.SaveSessionAsync(agent, tenantFirst, await SessionWithNoteAsync(agent, "partitioned"));

        Assert.Equal("partitioned", NoteOf(await store.GetSessionAsync(agent, regionFirst)));
        Assert.Null(await store.GetSessionAsync(agent, new AgentSessionStoreKey(id)));
        Assert.Null(await store.GetSessionAsync(agent, new AgentSessionStoreKey(id).WithPartition("tenant", "t1")));
        Assert.Null(await store.GetSessionAsync(agent, regionFirst.WithPartition("tenant", "t2")));
        Assert.Null(await store.GetSessionAsync(agent, regionFirst.WithPartition("Tenant", "t1")));

        // A save under the other order replaces the one row; another partition value is another session.
        await store.SaveSessionAsync(agent, regionFirst, await SessionWithNoteAsync(agent, "replaced"));
        await store.SaveSessionAsync(agent, regionFirst.WithPartition("tenant", "t2"), await SessionWithNoteAsync(agent, "other tenant"));
        Assert.Equal(2, await RowsAsync(db, id));
        Assert.Equal("replaced", NoteOf(await store.GetSessionAsync(agent, tenantFirst)));
    }

    [Fact]
    public async Task TheAgentsId_IsPartOfTheKey()
    {
        var travel = new TravelAgent();
        var key = NewKey();
        var store = Store(db);
        await store.SaveSessionAsync(Agent(travel, "travel"), key, await SessionWithNoteAsync(Agent(travel), "travel's"));

        Assert.Null(await store.GetSessionAsync(Agent(travel, "another-agent"), key));
        await store.DeleteSessionAsync(Agent(travel, "another-agent"), key);
        Assert.Equal("travel's", NoteOf(await store.GetSessionAsync(Agent(travel, "travel"), key)));
    }

    [Fact]
    public async Task AnotherUsersSessions_AreInvisibleToEveryCall()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey().WithPartition("tenant", "t1");
        var mine = Store(db, UserA);
        var theirs = Store(db, UserB);
        await mine.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "a's"));

        Assert.Null(await theirs.GetSessionAsync(agent, key));
        Assert.Null(NoteOf(await theirs.GetOrCreateSessionAsync(agent, key)));
        await theirs.DeleteSessionAsync(agent, key);
        Assert.Equal(1, await RowsAsync(db, key.SessionId));

        // The same key saved by the other user is a session of its own.
        await theirs.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "b's"));
        Assert.Equal(2, await RowsAsync(db, key.SessionId));
        Assert.Equal("a's", NoteOf(await mine.GetSessionAsync(agent, key)));
        Assert.Equal("b's", NoteOf(await theirs.GetSessionAsync(agent, key)));

        await theirs.DeleteSessionAsync(agent, key);
        Assert.Equal("a's", NoteOf(await mine.GetSessionAsync(agent, key)));
        Assert.Equal(UserA, await TestData.ScalarAsync<string>(db.DataSource, "SELECT string_agg(user_id, ',') FROM agent_sessions WHERE session_id = $1", key.SessionId));
    }

    [Fact]
    public async Task Delete_RemovesTheSession_AndAMissingOneIsANoOp()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "doomed"));

        await store.DeleteSessionAsync(agent, key);
        await store.DeleteSessionAsync(agent, key);

        Assert.Equal(0, await RowsAsync(db, key.SessionId));
        Assert.Null(await store.GetSessionAsync(agent, key));
    }
}
