using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

/// <summary>Stale-claim revert and expiry purge act on the whole table, so each test starts from an empty one.</summary>
public sealed class MaintenanceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RevertStale_RevertsOnlyClaimsOlderThanTheGrace()
    {
        var service = db.CreateService();
        var stale = await SavedAndClaimedAsync(service);
        var fresh = await SavedAndClaimedAsync(service);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = clock_timestamp() - interval '11 minutes' WHERE conversation_id = $1", Guid.Parse(stale));

        var reverted = await service.RevertStaleResumingAsync();

        Assert.Equal(1, reverted);
        Assert.NotNull(await service.LoadStateAsync(stale, "user-a"));
        Assert.Null(await service.LoadStateAsync(fresh, "user-a"));
        Assert.True(await TestData.ScalarAsync<bool>(db.DataSource, "SELECT resumed_at IS NULL FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(stale)));
    }

    [Fact]
    public async Task RevertStale_HonoursAnExplicitGrace()
    {
        var service = db.CreateService();
        var conversation = await SavedAndClaimedAsync(service);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = clock_timestamp() - interval '2 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal(0, await service.RevertStaleResumingAsync(TimeSpan.FromMinutes(5)));
        Assert.Equal(1, await service.RevertStaleResumingAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task RevertStale_GivesAnExpiredClaimAFreshTtl()
    {
        var service = db.CreateService();
        var conversation = await SavedAndClaimedAsync(service);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = clock_timestamp() - interval '1 hour', expires_at = clock_timestamp() - interval '30 minutes' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal(1, await service.RevertStaleResumingAsync());

        var remaining = await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - clock_timestamp() FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.InRange(remaining, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
        Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task RevertStale_NeverShortensALongerTtl()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot(), TimeSpan.FromHours(6));
        await service.ClaimStateAsync(conversation, "user-a");
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = clock_timestamp() - interval '1 hour' WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal(1, await service.RevertStaleResumingAsync());

        var remaining = await TestData.ScalarAsync<TimeSpan>(db.DataSource, "SELECT expires_at - clock_timestamp() FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        Assert.True(remaining > TimeSpan.FromHours(5.9), $"remaining {remaining}");
    }

    [Fact]
    public async Task RevertStale_RevertsAClaimWithNoResumedAt()
    {
        var service = db.CreateService();
        var conversation = await SavedAndClaimedAsync(service);
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = NULL WHERE conversation_id = $1", Guid.Parse(conversation));

        Assert.Equal(1, await service.RevertStaleResumingAsync());
        Assert.NotNull(await service.LoadStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task Purge_DeletesExpiredRowsAndReturnsTheirKeys()
    {
        var service = db.CreateService();
        var expired = (await TestData.CreateConversationAsync(db.DataSource, "user-b")).ToString();
        var live = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(expired, "user-b", TestData.Snapshot());
        await service.SaveStateAsync(live, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", Guid.Parse(expired));

        var purged = await service.PurgeExpiredAsync();

        var key = Assert.Single(purged);
        Assert.Equal(Guid.Parse(expired), key.ConversationId);
        Assert.Equal("user-b", key.UserId);
        Assert.Equal("agent-1", key.AgentConfig.GetProperty("agent_id").GetString());
        Assert.Equal(1, await TestData.RowCountAsync(db.DataSource));
        Assert.NotNull(await service.LoadStateAsync(live, "user-a"));
        Assert.Empty(await service.PurgeExpiredAsync());
    }

    private async Task<string> SavedAndClaimedAsync(ContinuationService service)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
        return conversation;
    }
}
