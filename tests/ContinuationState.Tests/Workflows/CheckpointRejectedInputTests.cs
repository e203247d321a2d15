using System.Text.Json;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Serialization;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI.Workflows;
using static ContinuationState.Tests.Workflows.CheckpointStoreTests;

namespace ContinuationState.Tests.Workflows;

/// <summary>
/// What PostgreSQL text cannot hold (U+0000, lone surrogates) and checkpoints over the size limit: refused with a typed
/// error before anything is sent, so nothing is written. Each test starts from empty tables and counts rows after.
/// </summary>
public sealed class CheckpointRejectedInputTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    // By name: xunit serializes theory arguments for discovery, and a lone surrogate does not survive that.
    private static readonly Dictionary<string, string> Unstorable = new()
    {
        ["U+0000 inside"] = "session\0id",
        ["U+0000 alone"] = "\0",
        ["a lone high surrogate"] = "high\uD800alone",
        ["a lone low surrogate"] = "low\uDC00alone",
        ["a reversed surrogate pair"] = "pair\uDC00\uD83D",
        ["a high surrogate cut off at the end"] = "ends with high \uD83D",
        ["U+0000 after a surrogate pair"] = "\uD83D\uDE00\0",
    };

    private static readonly Dictionary<string, string> UnusableSessionIds = new(Unstorable)
    {
        ["empty"] = "",
        ["blank"] = "   ",
        ["too long"] = new string('s', PostgresCheckpointStore.MaxSessionIdLength + 1),
    };

    public static TheoryData<string> UnusableSessionIdNames => new(UnusableSessionIds.Keys);

    public static TheoryData<string> UnstorableNames => new(Unstorable.Keys);

    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM workflow_sessions");

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(UnusableSessionIdNames))]
    public async Task UnusableSessionId_IsRefusedByEveryCall_AndNothingIsWritten(string name)
    {
        var sessionId = UnusableSessionIds[name];
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");

        var create = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CreateCheckpointAsync(sessionId, Checkpoint(0)).AsTask());
        Assert.Equal("sessionId", create.ParamName);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RetrieveIndexAsync(sessionId).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RetrieveCheckpointAsync(sessionId, new CheckpointInfo(sessionId, "x")).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetLatestCheckpointAsync(sessionId));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DeleteSessionAsync(sessionId));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PruneAsync(sessionId, 1));

        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task SessionId_WithALoneSurrogate_NamesWhereItIs()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateCheckpointAsync("ab\uD800", Checkpoint(0)).AsTask());

        Assert.Contains("U+D800", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionId_WithAPairedSurrogate_IsStored()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = "rocket \U0001F680 " + NewSession();

        var key = await store.CreateCheckpointAsync(session, Checkpoint(0));

        Assert.Equal([key], await store.RetrieveIndexAsync(session));
    }

    [Theory]
    [MemberData(nameof(UnstorableNames))]
    public void UnstorableUserId_IsRefusedWhenTheStoreIsCreated(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new PostgresCheckpointStore(db.DataSource, "user " + Unstorable[name]));
        Assert.ThrowsAny<ArgumentException>(() => new PostgresCheckpointStore(db.DataSource, ""));
    }

    [Theory]
    [InlineData("""{"state":{"text":"before\u0000after"}}""", "$.state.text")]
    [InlineData("""{"state":["ok","\ud800"]}""", "$.state[1]")]
    [InlineData("""{"state":{"\udc00key":1}}""", "$.state")]
    [InlineData("""{"nul\u0000key":1}""", "$")]
    public async Task CheckpointText_PostgresCannotHold_IsRefusedNamingThePath_AndNothingIsWritten(string json, string pathStart)
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");

        var error = await Assert.ThrowsAsync<ContinuationJsonException>(() => store.CreateCheckpointAsync(NewSession(), JsonElement.Parse(json)).AsTask());

        Assert.StartsWith(pathStart, error.JsonPath, StringComparison.Ordinal);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task CheckpointText_UnderAStripPolicy_IsStoredWithoutTheNul()
    {
        var options = new ContinuationStateOptions { Json = new ContinuationJsonOptions { NulCharacters = NulCharacterPolicy.Strip, LoneSurrogates = LoneSurrogatePolicy.Replace } };
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", options);
        var session = NewSession();

        var key = await store.CreateCheckpointAsync(session, JsonElement.Parse("""{"a":"x\u0000y","b":"\ud800"}"""));

        var stored = await store.RetrieveCheckpointAsync(session, key);
        Assert.Equal("xy", stored.GetProperty("a").GetString());
        Assert.Equal("\uFFFD", stored.GetProperty("b").GetString());
    }

    [Fact]
    public async Task Checkpoint_OverMaxBytes_IsRefused_AndNothingIsWritten()
    {
        var options = new ContinuationStateOptions { Json = new ContinuationJsonOptions { MaxBytes = 4096 } };
        var store = new PostgresCheckpointStore(db.DataSource, "user-a", options);
        var large = JsonSerializer.SerializeToElement(new { state = new string('x', 5000) });

        var error = await Assert.ThrowsAsync<StateTooLargeException>(() => store.CreateCheckpointAsync(NewSession(), large).AsTask());

        Assert.Equal(4096, error.LimitBytes);
        await AssertNothingStoredAsync();
        var fits = JsonSerializer.SerializeToElement(new { state = new string('x', 4000) });
        await store.CreateCheckpointAsync(NewSession(), fits);
    }

    [Fact]
    public async Task UndefinedCheckpoint_IsRefused_AndNothingIsWritten()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateCheckpointAsync(NewSession(), default).AsTask());

        Assert.Equal("value", error.ParamName);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [MemberData(nameof(UnstorableNames))]
    public async Task Parent_WithAnUnstorableId_IsRefused_AndNothingIsWritten(string name)
    {
        var parentId = "parent " + Unstorable[name];
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateCheckpointAsync(session, Checkpoint(0), new CheckpointInfo(session, parentId)).AsTask());

        Assert.Equal("parent", error.ParamName);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Parent_OfAnotherSession_IsRefused_AndNothingIsWritten()
    {
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateCheckpointAsync(NewSession(), Checkpoint(0), new CheckpointInfo(NewSession(), "p")).AsTask());

        Assert.Equal("parent", error.ParamName);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [MemberData(nameof(UnstorableNames))]
    public async Task Lookups_WithAnUnstorableCheckpointId_AnswerNotFound_WithoutAskingTheDatabase(string name)
    {
        var checkpointId = "checkpoint " + Unstorable[name];
        var store = new PostgresCheckpointStore(db.DataSource, "user-a");
        var session = NewSession();
        await store.CreateCheckpointAsync(session, Checkpoint(0));
        var key = new CheckpointInfo(session, checkpointId);

        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.RetrieveCheckpointAsync(session, key).AsTask());
        Assert.Empty(await store.RetrieveIndexAsync(session, key));
    }

    private async Task AssertNothingStoredAsync()
    {
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints"));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_sessions"));
    }
}
