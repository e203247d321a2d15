using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Maintenance;

/// <summary>The meter and activity source are process-wide, so these tests run alone: their counts are exact.</summary>
[CollectionDefinition(nameof(TelemetryGroup), DisableParallelization = true)]
public sealed class TelemetryGroup;

[Collection(nameof(TelemetryGroup))]
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly DatabaseFixture _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task EveryCounter_MovesWhenItsOperationRuns()
    {
        var service = _db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(_db.DataSource)).ToString();
        using var metrics = new MetricRecorder();

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await service.LoadStateAsync(conversation, "user-a");
        await service.LoadStateAsync(Guid.NewGuid().ToString(), "user-a");
        var claimed = await service.ClaimStateAsync(conversation, "user-a");
        await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, "user-a"));
        await service.ClaimStateAsync(Guid.NewGuid().ToString(), "user-a");
        await service.ReleaseClaimAsync(claimed!);
        await service.MarkResumingAsync(conversation, "user-a");
        await TestData.ExecuteAsync(_db.DataSource, "UPDATE pending_tool_state SET resumed_at = resumed_at - interval '1 hour'");
        await service.RevertStaleResumingAsync();
        await service.DeleteStateAsync(conversation, "user-a");
        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot());
        await TestData.ExecuteAsync(_db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second'");
        await service.PurgeExpiredAsync();

        Assert.Equal(2, metrics.Sum("continuationstate.saves", "saved"));
        Assert.Equal(1, metrics.Sum("continuationstate.loads", "hit"));
        Assert.Equal(1, metrics.Sum("continuationstate.loads", "miss"));
        Assert.Equal(1, metrics.Sum("continuationstate.claims", "won"));
        Assert.Equal(1, metrics.Sum("continuationstate.claims", "in_progress"));
        Assert.Equal(1, metrics.Sum("continuationstate.claims", "none"));
        Assert.Equal(1, metrics.Sum("continuationstate.releases", "released"));
        Assert.Equal(1, metrics.Sum("continuationstate.marks", "marked"));
        Assert.Equal(1, metrics.Sum("continuationstate.reverted", "reverted"));
        Assert.Equal(1, metrics.Sum("continuationstate.deletes", "deleted"));
        Assert.Equal(1, metrics.Sum("continuationstate.purged", "purged"));
        Assert.Equal(12, metrics.Count("db.client.operation.duration"));
        Assert.Equal(2, metrics.Count("continuationstate.state.size"));
        Assert.True(metrics.Values("continuationstate.state.size").All(v => v > 100), "state size is the JSON's byte count");
    }

    [Fact]
    public async Task EachOperation_IsOneActivity_TaggedWithIdKindAndOutcome_NeverTheUserOrPayload()
    {
        var service = _db.CreateService();
        var legacy = TestData.NewLegacyId();
        var uuid = (await TestData.CreateConversationAsync(_db.DataSource, "secret-user", legacy)).ToString();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ContinuationStateInstrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await service.SaveStateAsync(legacy, "secret-user", TestData.Snapshot("payload-marker"));
        await service.ClaimStateAsync(uuid, "secret-user");
        await service.LoadStateAsync("not-an-id", "secret-user");

        Assert.Equal(3, activities.Count);
        var (save, claim, load) = (activities.ElementAt(0), activities.ElementAt(1), activities.ElementAt(2));
        Assert.Equal(("save pending_tool_state", "legacy", "saved"), (save.DisplayName, Tag(save, "continuationstate.conversation_id.kind"), Tag(save, "continuationstate.outcome")));
        Assert.Equal(("claim pending_tool_state", "uuid", "won"), (claim.DisplayName, Tag(claim, "continuationstate.conversation_id.kind"), Tag(claim, "continuationstate.outcome")));
        Assert.Equal(("invalid", "miss"), (Tag(load, "continuationstate.conversation_id.kind"), Tag(load, "continuationstate.outcome")));
        Assert.All(activities, a =>
        {
            Assert.Equal("postgresql", Tag(a, "db.system.name"));
            Assert.DoesNotContain(a.TagObjects, t => t.Value?.ToString()?.Contains("secret-user", StringComparison.Ordinal) == true);
            Assert.DoesNotContain(a.TagObjects, t => t.Value?.ToString()?.Contains("payload-marker", StringComparison.Ordinal) == true);
        });
    }

    [Fact]
    public async Task MaintenanceTick_CountsPurgedPausesAndWorkflowSessionsApart()
    {
        await ExpiredRows.InsertAsync(_db.DataSource, 2);
        await WorkflowSessionRows.InsertAsync(_db.DataSource, 3, "old", expired: true);
        var service = new ContinuationStateMaintenanceService(
            _db.DataSource,
            Microsoft.Extensions.Options.Options.Create(new ContinuationStateOptions()),
            Microsoft.Extensions.Options.Options.Create(new ContinuationStateMaintenanceOptions()),
            [],
            TimeProvider.System);
        using var metrics = new MetricRecorder();

        await service.RunOnceAsync(CancellationToken.None);

        Assert.Equal(2, metrics.Sum("continuationstate.purged", "purged"));
        Assert.Equal(3, metrics.Sum("continuationstate.workflow_sessions.purged", "purged"));
    }

    [Fact]
    public async Task FailedOperation_IsAnErrorActivity()
    {
        var service = _db.CreateService();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ContinuationStateInstrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await Assert.ThrowsAsync<ConversationNotFoundException>(() => service.SaveStateAsync(Guid.NewGuid().ToString(), "user-a", TestData.Snapshot()));

        var activity = Assert.Single(activities);
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("error", Tag(activity, "continuationstate.outcome"));
        Assert.Equal(typeof(ConversationNotFoundException).FullName, Tag(activity, "error.type"));
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();

    /// <summary>Records every measurement of the ContinuationState meter.</summary>
    private sealed class MetricRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, string? Outcome)> _measurements = new();

        public MetricRecorder()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ContinuationStateInstrumentation.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            _listener.Start();
        }

        public long Sum(string instrument, string outcome)
            => (long)_measurements.Where(m => m.Instrument == instrument && m.Outcome == outcome).Sum(m => m.Value);

        public int Count(string instrument) => _measurements.Count(m => m.Instrument == instrument);

        public IEnumerable<double> Values(string instrument) => _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "continuationstate.outcome")
                {
                    outcome = tag.Value as string;
                }
            }

            _measurements.Enqueue((instrument.Name, value, outcome));
        }
    }
}
