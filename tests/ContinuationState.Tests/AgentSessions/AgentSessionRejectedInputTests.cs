#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Serialization;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using static ContinuationState.Tests.AgentSessions.Sessions;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>Hostile input: text PostgreSQL cannot hold, keys too large to index, sessions over the size limit. Typed errors, nothing written.</summary>
public sealed class AgentSessionRejectedInputTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // By name: xunit serializes theory arguments, which turns a lone surrogate into U+FFFD before the test sees it.
    private static readonly Dictionary<string, string> Unstorable = new()
    {
        ["U+0000 inside"] = "nul\0inside",
        ["U+0000 alone"] = "\0",
        ["a lone high surrogate"] = "lone\uD800high",
        ["a lone low surrogate"] = "lone\uDC00low",
        ["a high surrogate at the end"] = "lone\uD800",
    };

    public static TheoryData<string> UnstorableIds => new(Unstorable.Keys);

    [Theory]
    [MemberData(nameof(UnstorableIds))]
    public async Task AnUnstorableSessionId_IsRefusedByEveryCall_AndNothingIsWritten(string name)
    {
        var sessionId = Unstorable[name];
        var agent = Agent(new TravelAgent());
        var store = Store(db);
        var key = new AgentSessionStoreKey(sessionId);
        var before = await AllRowsAsync();

        var save = await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, key, await agent.CreateSessionAsync()));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetSessionAsync(agent, key).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteSessionAsync(agent, key).AsTask());

        Assert.Equal("key", save.ParamName);
        Assert.Contains("Session id", save.Message, StringComparison.Ordinal);
        Assert.Equal(before, await AllRowsAsync());
    }

    [Theory]
    [MemberData(nameof(UnstorableIds))]
    public async Task AnUnstorablePartitionValueOrName_IsRefused_AndNothingIsWritten(string name)
    {
        var text = Unstorable[name];
        var agent = Agent(new TravelAgent());
        var store = Store(db);
        var before = await AllRowsAsync();

        var byValue = await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, NewKey().WithPartition("tenant", text), await agent.CreateSessionAsync()));
        var byName = await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, NewKey().WithPartition(text, "t1"), await agent.CreateSessionAsync()));

        Assert.Equal("key", byValue.ParamName);
        Assert.Equal("key", byName.ParamName);
        Assert.Equal(before, await AllRowsAsync());
    }

    [Theory]
    [MemberData(nameof(UnstorableIds))]
    public async Task AnAgentWithAnUnstorableId_IsRefused_AndNothingIsWritten(string name)
    {
        var agent = Agent(new TravelAgent(), Unstorable[name]);
        var before = await AllRowsAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Store(db).SaveSessionAsync(agent, NewKey(), await agent.CreateSessionAsync()));

        Assert.Equal("agent", error.ParamName);
        Assert.Equal(before, await AllRowsAsync());
    }

    [Theory]
    [MemberData(nameof(UnstorableIds))]
    public void AStoreForAnUnstorableUserId_IsRefused(string name)
        => Assert.Throws<ArgumentException>(() => Store(db, Unstorable[name]));

    [Fact]
    public async Task AKeyTooLargeToIndex_IsRefused_AndNothingIsWritten()
    {
        var agent = Agent(new TravelAgent());
        var store = Store(db);
        var before = await AllRowsAsync();

        // 200 characters of three UTF-8 bytes each is within every single limit; together with the partitions the
        // key no longer fits one index entry.
        var wide = new string('€', 200);
        var key = new AgentSessionStoreKey(wide).WithPartition("a", wide).WithPartition("b", wide).WithPartition("c", wide);
        var tooLarge = await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, key, await agent.CreateSessionAsync()));
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, new AgentSessionStoreKey(new string('s', 201)), await agent.CreateSessionAsync()));
        var tooMany = Enumerable.Range(0, 17).Aggregate(NewKey(), (k, i) => k.WithPartition($"p{i}", "v"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveSessionAsync(agent, tooMany, await agent.CreateSessionAsync()));

        Assert.Contains("2000", tooLarge.Message, StringComparison.Ordinal);
        Assert.Contains("201 characters", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(before, await AllRowsAsync());
    }

    [Fact]
    public async Task TheFrameworksSerializer_ReplacesALoneSurrogateInTheStateBag_SoNothingUnstorableArrives()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db);

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "lone\uD800high"));

        Assert.Equal("lone\uFFFDhigh", NoteOf(await store.GetSessionAsync(agent, key)));
    }

    [Theory]
    [InlineData("""{"note":"nul\u0000inside"}""", "$.note")]
    [InlineData("""{"note":["ok","lone\ud800high"]}""", "$.note[1]")]
    [InlineData("""{"\udc00key":1}""", "$")]
    public async Task ASerializedSessionHoldingUnstorableText_IsRefusedWithItsPath_AndNothingIsWritten(string serialized, string path)
    {
        // An agent whose sessions serialize to exactly this JSON (the escapes survive xunit's argument serialization).
        var agent = new JsonAgent();
        var key = NewKey();

        var error = await Assert.ThrowsAsync<ContinuationJsonException>(async () => await Store(db).SaveSessionAsync(agent, key, JsonAgent.Session(serialized)));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(db, key.SessionId));
    }

    [Fact]
    public async Task ASessionWithUnstorableTextInTheStateBag_IsRefused_AndNothingIsWritten()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();

        await Assert.ThrowsAsync<ContinuationJsonException>(async () => await Store(db).SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "nul\0inside")));

        Assert.Equal(0, await RowsAsync(db, key.SessionId));
    }

    [Fact]
    public async Task ASessionHoldingUnstorableText_IsStoredWhenThePolicySaysStrip()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var options = new ContinuationStateOptions();
        options.Json.NulCharacters = NulCharacterPolicy.Strip;
        var store = Store(db, options: options);

        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "nul\0inside"));

        Assert.Equal("nulinside", NoteOf(await store.GetSessionAsync(agent, key)));
    }

    [Fact]
    public async Task ASessionOverMaxBytes_IsRefused_AndTheStoredOneIsKept()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var options = new ContinuationStateOptions();
        options.Json.MaxBytes = 4096;
        var store = Store(db, options: options);
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "small"));

        var error = await Assert.ThrowsAsync<StateTooLargeException>(async () => await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, new string('x', 8192))));

        Assert.Equal(4096, error.LimitBytes);
        Assert.Equal(1, await RowsAsync(db, key.SessionId));
        Assert.Equal("small", NoteOf(await store.GetSessionAsync(agent, key)));
    }

    private Task<long> AllRowsAsync() => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM agent_sessions");
}
