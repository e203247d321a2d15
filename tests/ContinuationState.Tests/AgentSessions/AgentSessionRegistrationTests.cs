#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ContinuationState.Tests.AgentSessions.Sessions;

namespace ContinuationState.Tests.AgentSessions;

public sealed class AgentSessionRegistrationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AddContinuationStateAgentSessions_OnTheLibrarysOwnDataSource_GivesWorkingStores()
    {
        // Registered before AddContinuationState: the order does not matter.
        var services = new ServiceCollection().AddLogging()
            .AddContinuationStateAgentSessions()
            .AddContinuationState(o => o.ConnectionString = db.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var stores = provider.GetRequiredService<AgentSessionStores>();
        var store = stores.ForUser(UserA);
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        await store.SaveSessionAsync(agent, key, await SessionWithNoteAsync(agent, "registered"));

        Assert.Same(stores, provider.GetRequiredService<AgentSessionStores>());
        Assert.Equal("registered", NoteOf(await store.GetSessionAsync(agent, key)));
        Assert.Equal(TimeSpan.FromMinutes(30), store.SessionTtl);
        Assert.False(store.DetectConflicts);
        var custom = stores.ForUser(UserA, TimeSpan.FromHours(3), detectConflicts: true);
        Assert.Equal((TimeSpan.FromHours(3), true, UserA), (custom.SessionTtl, custom.DetectConflicts, custom.UserId));
    }

    [Fact]
    public async Task AddContinuationStateAgentSessions_ReusesTheHostsDataSource()
    {
        await using var hostDataSource = NpgsqlDataSource.Create(db.ConnectionString);
        var services = new ServiceCollection().AddSingleton(hostDataSource).AddContinuationState().AddContinuationStateAgentSessions();
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<AgentSessionStores>().ForUser(UserA);
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        await store.SaveSessionAsync(agent, key, await agent.CreateSessionAsync());

        Assert.NotNull(await store.GetSessionAsync(agent, key));
        await hostDataSource.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetSessionAsync(agent, key).AsTask());
    }

    [Fact]
    public async Task ATimedOutStatement_IsTheLibrarysTimeout()
    {
        var agent = Agent(new TravelAgent());
        var key = NewKey();
        var store = Store(db, options: new ContinuationStateOptions { CommandTimeout = TimeSpan.FromSeconds(1) });
        await store.SaveSessionAsync(agent, key, await agent.CreateSessionAsync());

        // Another transaction holds the session's row: a save waits for it, bounded by the command timeout.
        await using var holder = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using var lockRow = new NpgsqlCommand("SELECT 1 FROM agent_sessions WHERE session_id = $1 FOR UPDATE", holder, transaction);
        lockRow.Parameters.Add(new NpgsqlParameter { Value = key.SessionId });
        await lockRow.ExecuteNonQueryAsync();

        await Assert.ThrowsAsync<ContinuationStateTimeoutException>(async () => await store.SaveSessionAsync(agent, key, await agent.CreateSessionAsync()));
    }
}
