using System.Text.Json.Nodes;
using ContinuationState.Serialization;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

/// <summary>Bad input gets a typed exception naming what was wrong, and nothing is written.</summary>
public sealed class RejectedInputTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<string, object, string> UnstorableValues => new()
    {
        { "NaN", new { score = double.NaN }, "$.agent_config.score" },
        { "Infinity", new { score = double.PositiveInfinity }, "$.agent_config.score" },
        { "NUL", new { text = "a\0b" }, "$.agent_config.text" },
        { "NUL key", new Dictionary<string, int> { ["k\0"] = 1 }, "$.agent_config" },
        { "lone surrogate", new { text = "\ud800x" }, "$.agent_config.text" },
    };

    [Theory]
    [MemberData(nameof(UnstorableValues))]
    public async Task UnstorableValue_ThrowsNamingThePath_AndNothingIsWritten(string label, object agentConfig, string pathPrefix)
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        var error = await Assert.ThrowsAsync<ContinuationJsonException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { AgentConfig = agentConfig }));

        Assert.StartsWith(pathPrefix, error.JsonPath, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(label));
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task UnstorableValue_OnResave_LeavesThePreviousStateIntact()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("original"));

        await Assert.ThrowsAsync<ContinuationJsonException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { ClientTools = new[] { double.NaN } }));

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("original", state!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Cycle_ThrowsNamingThePath_AndNothingIsWritten()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        var loop = new List<object>();
        loop.Add(loop);

        var error = await Assert.ThrowsAsync<ContinuationJsonException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { ToolsDict = loop }));

        Assert.StartsWith("$.tools_dict", error.JsonPath, StringComparison.Ordinal);
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task StateOverTheLimit_ThrowsBeforeAnythingIsSent()
    {
        var service = db.CreateService(o => o.Json.MaxBytes = 10_000);
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        using var counter = new CommandCounter(db.DatabaseName);

        await Assert.ThrowsAsync<StateTooLargeException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(new string('x', 20_000))));

        Assert.Equal(0, counter.Count);
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task NulStripPolicy_StoresTheStringWithoutIt()
    {
        var service = db.CreateService(o => o.Json.NulCharacters = NulCharacterPolicy.Strip);
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot("a\0b"));

        var state = await service.LoadStateAsync(conversation, "user-a");
        Assert.Equal("ab", state!.Messages[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task DeepNesting_Of256Levels_IsStoredAndLoaded()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        JsonNode deep = new JsonObject { ["leaf"] = 1 };
        for (var i = 0; i < 256; i++)
        {
            deep = new JsonObject { ["n"] = deep };
        }

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { AgentConfig = deep });

        var state = await service.LoadStateAsync(conversation, "user-a");
        var node = state!.AgentConfig;
        for (var i = 0; i < 256; i++)
        {
            node = node.GetProperty("n");
        }

        Assert.Equal(1, node.GetProperty("leaf").GetInt32());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("nul\0user")]
    public async Task BadUserId_ThrowsArgumentException_AndNothingIsWritten(string? userId)
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => service.SaveStateAsync(conversation, userId!, TestData.Snapshot()));

        Assert.Equal("userId", error.ParamName);
        Assert.Equal(0, await CountFor(conversation));
    }

    [Fact]
    public async Task HugeUserId_ThrowsArgumentException()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => service.LoadStateAsync(conversation, new string('u', 10_000)));

        Assert.Equal("userId", error.ParamName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task MissingConversationId_ThrowsArgumentException(string? conversationId)
    {
        var service = db.CreateService();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => service.LoadStateAsync(conversationId!, "user-a"));

        Assert.Equal("conversationId", error.ParamName);
    }

    [Fact]
    public async Task MissingRequiredPart_ThrowsNamingIt_AndNothingIsWritten()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { Messages = null! }));

        Assert.Equal("snapshot.Messages", error.ParamName);
        Assert.Equal(0, await CountFor(conversation));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(400 * 24 * 3600)]
    public async Task OutOfRangeTtl_ThrowsArgumentOutOfRange(int seconds)
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(), TimeSpan.FromSeconds(seconds)));
        Assert.Equal(0, await CountFor(conversation));
    }

    private async Task<long> CountFor(string conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
}
