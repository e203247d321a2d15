using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static ContinuationState.Tests.DataSources.PoolerTests;

namespace ContinuationState.Tests.Maintenance;

/// <summary>
/// The maintenance service purges expired workflow sessions (the Workflows package's tables) with their checkpoints
/// and hands their keys to <see cref="IContinuationStateEvents"/>, as it does for pauses. Rows are arranged and
/// back-dated with SQL; ticks are driven directly or by a FakeTimeProvider.
/// </summary>
public sealed class WorkflowSessionPurgeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => TestData.ExecuteAsync(db.DataSource, "DELETE FROM workflow_sessions; DELETE FROM pending_tool_state");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Tick_PurgesExpiredSessionsWithTheirCheckpoints_DeliversTheirKeys_AndLeavesLiveSessions()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 5, "old", expired: true);
        await WorkflowSessionRows.InsertAsync(db.DataSource, 3, "live", expired: false);
        var store = new PostgresCheckpointStore(db.DataSource, "alice");
        var expiredByStore = Guid.NewGuid().ToString("N");
        var liveByStore = Guid.NewGuid().ToString("N");
        await store.CreateCheckpointAsync(expiredByStore, Workflows.CheckpointStoreTests.Checkpoint(0));
        var kept = await store.CreateCheckpointAsync(liveByStore, Workflows.CheckpointStoreTests.Checkpoint(0));
        await TestData.ExecuteAsync(db.DataSource, "UPDATE workflow_sessions SET expires_at = clock_timestamp() - interval '1 second' WHERE session_id = $1", expiredByStore);
        var events = new RecordingEvents();
        var logs = new CapturingLoggerProvider();

        var result = await Create(events, configure: null, logs: logs).RunOnceAsync(CancellationToken.None);

        Assert.Equal((6, 1, 0), (result.PurgedWorkflowSessions, result.WorkflowSessionBatches, result.UndeliveredWorkflowSessions));
        Assert.Equal(
            WorkflowSessionRows.Keys(5, "old").Append(new PurgedWorkflowSession("alice", expiredByStore)).ToHashSet(),
            events.ReceivedSessions.ToHashSet());
        Assert.Equal(6, events.ReceivedSessions.Count);
        Assert.Equal(0, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "old"));
        Assert.Equal(0, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_checkpoints", "old"));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints WHERE session_id = $1", expiredByStore));

        // Live sessions keep every checkpoint, and the store still reads them.
        Assert.Equal(3, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "live"));
        Assert.Equal(6, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_checkpoints", "live"));
        Assert.Equal([kept], await store.RetrieveIndexAsync(liveByStore));

        var line = Assert.Single(logs.Entries, e => e.EventId == ContinuationStateEventIds.ExpiredWorkflowSessionsPurged);
        Assert.Equal("Purged 6 expired workflow session(s) with their checkpoints", line.Message);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == ContinuationStateEventIds.ExpiredStatePurged);
    }

    [Fact]
    public async Task FailingSessionHandler_IsLogged_AndTheSameKeysAreOfferedAgainNextTick_WhilePauseKeysStillArrive()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 3, "old", expired: true);
        await ExpiredRows.InsertAsync(db.DataSource, 2);
        var time = new FakeTimeProvider();
        var events = new RecordingEvents { SessionFailuresLeft = 1 };
        var logs = new CapturingLoggerProvider();
        var service = Create(events, configure: null, time, logs);
        await using var driver = await TickDriver.StartAsync(service, time);

        var first = await driver.TickAsync();
        Assert.Null(first.Error);
        Assert.Equal((2, 0), (first.Result!.Purged, first.Result.Undelivered));
        Assert.Equal((3, 3), (first.Result.PurgedWorkflowSessions, first.Result.UndeliveredWorkflowSessions));
        Assert.Equal(2, events.Received.Count);
        Assert.Empty(events.ReceivedSessions);
        var failure = Assert.Single(logs.Entries, e => e.EventId == ContinuationStateEventIds.PurgeHandlerFailed);
        Assert.Contains("3 purged workflow session key(s)", failure.Message, StringComparison.Ordinal);

        var second = await driver.TickAsync();
        Assert.Equal((0, 0), (second.Result!.PurgedWorkflowSessions, second.Result.UndeliveredWorkflowSessions));
        Assert.Equal(WorkflowSessionRows.Keys(3, "old").ToHashSet(), events.ReceivedSessions.ToHashSet());
        Assert.Equal(3, events.ReceivedSessions.Count);
        Assert.Equal(2, events.Received.Count);
    }

    [Fact]
    public async Task UndeliveredSessionKeys_AreBoundedByMaxUndeliveredKeys_OldestDropped()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 5, "old", expired: true);
        var events = new RecordingEvents { SessionFailuresLeft = 2 };
        var logs = new CapturingLoggerProvider();
        var service = Create(events, o => (o.PurgeBatchSize, o.MaxUndeliveredKeys) = (3, 4), logs: logs);

        // Two batches (3, then 2): the second delivery holds 5 keys, one past the bound.
        var first = await service.RunOnceAsync(CancellationToken.None);
        var second = await service.RunOnceAsync(CancellationToken.None);

        Assert.Equal((5, 4), (first.PurgedWorkflowSessions, first.UndeliveredWorkflowSessions));
        Assert.Equal(0, second.UndeliveredWorkflowSessions);
        Assert.Equal(4, events.ReceivedSessions.Count);
        var dropped = Assert.Single(logs.Entries, e => e.EventId == ContinuationStateEventIds.PurgedKeysDropped);
        Assert.Equal("Dropped 1 purged workflow session key(s) that handlers kept failing to take", dropped.Message);
    }

    [Fact]
    public async Task TwoReplicas_Over2000ExpiredSessions_PurgeAndReportEachExactlyOnce()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 2_000, "old", expired: true, checkpoints: 1);
        var events = new RecordingEvents();
        var replicas = new[]
        {
            Create(events, o => (o.PurgeBatchSize, o.MaxBatchesPerTick) = (50, 1000)),
            Create(events, o => (o.PurgeBatchSize, o.MaxBatchesPerTick) = (50, 1000)),
        };

        var results = await Task.WhenAll(replicas.Select(r => Task.Run(() => r.RunOnceAsync(CancellationToken.None))));

        Assert.Equal(2_000, results.Sum(r => r.PurgedWorkflowSessions));
        Assert.Equal(2_000, events.ReceivedSessions.Count);
        Assert.Equal(WorkflowSessionRows.Keys(2_000, "old").ToHashSet(), events.ReceivedSessions.ToHashSet());
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_sessions"));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM workflow_checkpoints"));
    }

    [Fact]
    public async Task Tick_SkipsASessionAWriterHolds_WithoutWaiting_AndPurgesItOnALaterTick()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 2, "old", expired: true);
        var events = new RecordingEvents();
        var service = Create(events, configure: null);

        await using (var holder = await db.DataSource.OpenConnectionAsync())
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await using var lockSession = new Npgsql.NpgsqlCommand("SELECT 1 FROM workflow_sessions WHERE session_id = 'old-1' FOR UPDATE", holder, transaction);
            await lockSession.ExecuteNonQueryAsync();

            // A wait on the lock would hang here: the guard turns it into a failure.
            var during = await service.RunOnceAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(1, during.PurgedWorkflowSessions);
            Assert.Equal([new PurgedWorkflowSession("user-2", "old-2")], events.ReceivedSessions);
        }

        var after = await service.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, after.PurgedWorkflowSessions);
        Assert.Equal(WorkflowSessionRows.Keys(2, "old").ToHashSet(), events.ReceivedSessions.ToHashSet());
    }

    [Fact]
    public async Task BacklogLargerThanATicksBatches_DrainsOverSeveralTicks()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 5, "old", expired: true);
        var service = Create(new RecordingEvents(), o => (o.PurgeBatchSize, o.MaxBatchesPerTick) = (2, 2));

        var first = await service.RunOnceAsync(CancellationToken.None);
        var second = await service.RunOnceAsync(CancellationToken.None);

        Assert.Equal((4, 2), (first.PurgedWorkflowSessions, first.WorkflowSessionBatches));
        Assert.Equal((1, 1), (second.PurgedWorkflowSessions, second.WorkflowSessionBatches));
        Assert.Equal(0, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "old"));
    }

    [Fact]
    public async Task PurgeExpiredWorkflowSessionsOff_LeavesThem_WhilePausesArePurged()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 2, "old", expired: true);
        await ExpiredRows.InsertAsync(db.DataSource, 2);
        var events = new RecordingEvents();

        var result = await Create(events, o => o.PurgeExpiredWorkflowSessions = false).RunOnceAsync(CancellationToken.None);

        Assert.Equal((2, 0, 0), (result.Purged, result.PurgedWorkflowSessions, result.WorkflowSessionBatches));
        Assert.Empty(events.ReceivedSessions);
        Assert.Equal(2, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "old"));

        // PurgeExpired off purges nothing at all.
        await ExpiredRows.InsertAsync(db.DataSource, 2, "other");
        var off = await Create(events, o => o.PurgeExpired = false).RunOnceAsync(CancellationToken.None);
        Assert.Equal((0, 0), (off.Purged, off.PurgedWorkflowSessions));
        Assert.Equal(2, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "old"));
    }

    [Fact]
    public async Task AHandlerWrittenOnlyForPauses_StillCompiles_AndSessionsArePurgedWithNothingLeftToRedeliver()
    {
        await WorkflowSessionRows.InsertAsync(db.DataSource, 2, "old", expired: true);
        await ExpiredRows.InsertAsync(db.DataSource, 1);
        var handler = new PausesOnlyHandler();
        var service = new ContinuationStateMaintenanceService(
            db.DataSource,
            Options.Create(new ContinuationStateOptions()),
            Options.Create(new ContinuationStateMaintenanceOptions { MaxJitter = TimeSpan.Zero }),
            [handler],
            TimeProvider.System);

        var result = await service.RunOnceAsync(CancellationToken.None);

        Assert.Equal((1, 0), (result.Purged, result.Undelivered));
        Assert.Equal((2, 0), (result.PurgedWorkflowSessions, result.UndeliveredWorkflowSessions));
        Assert.Single(handler.Received);
        Assert.Equal(0, await WorkflowSessionRows.CountAsync(db.DataSource, "workflow_sessions", "old"));
    }

    private ContinuationStateMaintenanceService Create(
        RecordingEvents events, Action<ContinuationStateMaintenanceOptions>? configure, TimeProvider? time = null, CapturingLoggerProvider? logs = null)
    {
        var options = new ContinuationStateMaintenanceOptions { MaxJitter = TimeSpan.Zero };
        configure?.Invoke(options);
        var logger = logs is null ? null : new LoggerFactory([logs]).CreateLogger<ContinuationStateMaintenanceService>();
        return new ContinuationStateMaintenanceService(
            db.DataSource, Options.Create(new ContinuationStateOptions()), Options.Create(options), [events], time ?? TimeProvider.System, logger);
    }

    /// <summary>A handler as written before workflow sessions were purged: it implements the pause method only.</summary>
    private sealed class PausesOnlyHandler : IContinuationStateEvents
    {
        public List<PurgedState> Received { get; } = [];

        public Task OnExpiredStatesPurgedAsync(IReadOnlyList<PurgedState> purged, CancellationToken cancellationToken)
        {
            Received.AddRange(purged);
            return Task.CompletedTask;
        }
    }
}
