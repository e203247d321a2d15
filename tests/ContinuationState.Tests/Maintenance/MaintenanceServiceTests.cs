using ContinuationState.Internal;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ContinuationState.Tests.Maintenance;

/// <summary>The background maintenance service on a real database; ticks are driven by a FakeTimeProvider.</summary>
public sealed class MaintenanceServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoReplicas_Over10000ExpiredRows_PurgeAndReportEachRowExactlyOnce()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 10_000);
        var events = new RecordingEvents();
        var replicas = new[] { Create(events, o => o.MaxBatchesPerTick = 1000), Create(events, o => o.MaxBatchesPerTick = 1000) };

        var results = await Task.WhenAll(replicas.Select(r => Task.Run(() => r.RunOnceAsync(CancellationToken.None))));

        Assert.Equal(10_000, results.Sum(r => r.Purged));
        Assert.Equal(10_000, events.Received.Count);
        Assert.Equal(10_000, events.Received.Select(k => k.ConversationId).Distinct().Count());
        Assert.Equal(0, await TestData.RowCountAsync(db.DataSource));
        Assert.All(events.Received, k => Assert.Equal(k.UserId, k.AgentConfig.GetProperty("agent").GetString()));
    }

    [Fact]
    public async Task BacklogLargerThanABatch_DrainsOverSeveralTicks()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 1_200);
        var time = new FakeTimeProvider();
        var service = Create(new RecordingEvents(), o => (o.PurgeBatchSize, o.MaxBatchesPerTick) = (500, 1), time);
        await using var driver = await TickDriver.StartAsync(service, time);

        var purged = new List<int>();
        for (var tick = 0; tick < 3; tick++)
        {
            purged.Add((await driver.TickAsync()).Result!.Purged);
        }

        Assert.Equal([500, 500, 200], purged);
        Assert.Equal(0, await TestData.RowCountAsync(db.DataSource));
    }

    [Fact]
    public async Task PurgeBatchPause_SitsBetweenFullBatchesOnTheServicesClock()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 1_200);
        var time = new FakeTimeProvider();
        var events = new RecordingEvents();
        var pause = TimeSpan.FromSeconds(2);
        var service = Create(events, o => (o.PurgeBatchSize, o.PurgeBatchPause) = (500, pause), time);
        var deliveredAtEachPause = new List<int>();
        var started = time.GetUtcNow();
        service.PurgePausing = () =>
        {
            deliveredAtEachPause.Add(events.Received.Count);
            time.Advance(pause);
        };

        var result = await service.RunOnceAsync(CancellationToken.None);

        // A pause after each full batch, none after the short last one, and none before the first.
        Assert.Equal([500, 1000], deliveredAtEachPause);
        Assert.Equal(1_200, result.Purged);
        Assert.Equal(2 * pause, time.GetUtcNow() - started);
    }

    [Fact]
    public async Task CancelledMidPurge_LeavesNoRowHalfProcessed()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 1_200);
        using var stopping = new CancellationTokenSource();
        var events = new RecordingEvents { OnDelivery = _ => stopping.Cancel() };
        var service = Create(events, o => o.PurgeBatchSize = 500);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.RunOnceAsync(stopping.Token));

        // The committed batch was deleted and reported whole; the rest were not touched.
        Assert.Equal(500, events.Received.Count);
        Assert.Equal(700, await TestData.RowCountAsync(db.DataSource));
        var survivors = await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = ANY($1)", events.Received.Select(k => k.ConversationId).ToArray());
        Assert.Equal(0, survivors);
    }

    [Fact]
    public async Task FailingHandler_IsLoggedAndTheSameKeysAreOfferedAgainNextTick()
    {
        await ExpiredRows.InsertAsync(db.DataSource, 3);
        var time = new FakeTimeProvider();
        var events = new RecordingEvents { FailuresLeft = 1 };
        var service = Create(events, configure: null, time);
        await using var driver = await TickDriver.StartAsync(service, time);

        var first = await driver.TickAsync();
        Assert.Null(first.Error);
        Assert.Equal(3, first.Result!.Purged);
        Assert.Equal(3, first.Result.Undelivered);
        Assert.Empty(events.Received);

        var second = await driver.TickAsync();
        Assert.Equal(0, second.Result!.Undelivered);
        Assert.Equal(3, events.Received.Count);
    }

    [Fact]
    public async Task DatabaseOutage_IsLoggedAndDoesNotStopLaterTicks()
    {
        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = 1, Timeout = 2 };
        await using var dead = NpgsqlDataSource.Create(builder.ConnectionString);
        var time = new FakeTimeProvider();
        var service = new ContinuationStateMaintenanceService(
            dead, Options.Create(new ContinuationStateOptions()), Options.Create(new ContinuationStateMaintenanceOptions { MaxJitter = TimeSpan.Zero }), [], time);
        await using var driver = await TickDriver.StartAsync(service, time);

        var first = await driver.TickAsync();
        var second = await driver.TickAsync();

        Assert.IsAssignableFrom<ContinuationStateTransientException>(first.Error);
        Assert.IsAssignableFrom<ContinuationStateTransientException>(second.Error);
    }

    [Fact]
    public async Task Tick_RevertsStaleClaims()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.ClaimStateAsync(conversation, "user-a");
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET resumed_at = resumed_at - interval '3 minutes'");

        var result = await Create(new RecordingEvents(), o => o.StaleClaimGrace = TimeSpan.FromMinutes(2)).RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, result.Reverted);
        Assert.NotNull(await service.LoadStateAsync(conversation, "user-a"));
    }

    [Fact]
    public async Task Stop_EndsPromptlyWhileWaitingForTheNextTick()
    {
        var time = new FakeTimeProvider();
        var service = Create(new RecordingEvents(), configure: null, time);
        var waiting = new TaskCompletionSource();
        service.Waiting = () => waiting.TrySetResult();

        await service.StartAsync(CancellationToken.None);
        await waiting.Task;
        var stop = service.StopAsync(CancellationToken.None);

        Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
    }

    private ContinuationStateMaintenanceService Create(RecordingEvents events, Action<ContinuationStateMaintenanceOptions>? configure, TimeProvider? time = null)
    {
        var options = new ContinuationStateMaintenanceOptions { MaxJitter = TimeSpan.Zero };
        configure?.Invoke(options);
        return new ContinuationStateMaintenanceService(
            db.DataSource, Options.Create(new ContinuationStateOptions()), Options.Create(options), [events], time ?? TimeProvider.System);
    }
}
