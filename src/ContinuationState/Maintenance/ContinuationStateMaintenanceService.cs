using System.Diagnostics.Metrics;
using ContinuationState.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// A hosted service that, every <see cref="ContinuationStateMaintenanceOptions.Interval"/> (plus jitter), reverts
/// stale claims and purges expired state (pauses, receipts, and workflow sessions with their checkpoints) in bounded
/// <c>SKIP LOCKED</c> batches, telling every <see cref="IContinuationStateEvents"/> which pauses and sessions it purged. Safe with any number of replicas. A failing handler or
/// database is logged and retried on the next tick; it never stops the service or the host.
/// </summary>
public sealed class ContinuationStateMaintenanceService : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ContinuationStateOptions _options;
    private readonly ContinuationStateMaintenanceOptions _maintenance;
    private readonly IContinuationStateEvents[] _handlers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<PurgedState> _undeliveredStates = [];
    private readonly List<PurgedWorkflowSession> _undeliveredSessions = [];

    /// <summary>Creates the service; hosts register it with <c>AddContinuationStateMaintenance</c>.</summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="options">The library's options.</param>
    /// <param name="maintenance">The maintenance options.</param>
    /// <param name="handlers">Who hears about purged state.</param>
    /// <param name="time">The clock that paces ticks (expiry itself is decided by the database clock).</param>
    /// <param name="logger">Receives failures and what each tick did.</param>
    public ContinuationStateMaintenanceService(
        NpgsqlDataSource dataSource,
        IOptions<ContinuationStateOptions> options,
        IOptions<ContinuationStateMaintenanceOptions> maintenance,
        IEnumerable<IContinuationStateEvents> handlers,
        TimeProvider time,
        ILogger<ContinuationStateMaintenanceService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(maintenance);
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(time);
        _dataSource = dataSource;
        _options = options.Value;
        _maintenance = maintenance.Value;
        _handlers = handlers.ToArray();
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Test hook: called just before each wait for the next tick.</summary>
    internal Action? Waiting { get; set; }

    /// <summary>Test hook: called when a pause between two purge batches has begun (its timer exists).</summary>
    internal Action? PurgePausing { get; set; }

    /// <summary>Test hook: called after each tick with its result, or the exception that ended it.</summary>
    internal Action<MaintenanceTickResult?, Exception?>? TickEnded { get; set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The timer exists before the hook runs, so a test that advances fake time on the hook never misses it.
                var delay = Task.Delay(NextDelay(), _time, stoppingToken);
                Waiting?.Invoke();
                await delay.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                var result = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                TickEnded?.Invoke(result, null);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A database outage must not stop the service: the next tick tries again.
                Log.MaintenanceTickFailed(_logger, e);
                TickEnded?.Invoke(null, e);
            }
        }
    }

    /// <summary>
    /// One tick: redeliver, revert stale claims, purge expired pauses batch by batch, expired receipts, and expired
    /// workflow sessions batch by batch.
    /// </summary>
    internal async Task<MaintenanceTickResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        await DeliverStatesAsync([], cancellationToken).ConfigureAwait(false);
        await DeliverWorkflowSessionsAsync([], cancellationToken).ConfigureAwait(false);

        var reverted = 0;
        if (_maintenance.RevertStaleClaims)
        {
            var grace = _maintenance.StaleClaimGrace ?? _options.StaleClaimGrace;
            reverted = await WithConnectionAsync(c => new PendingToolStateRepository(c, null, _options).RevertStaleResumingAsync(grace, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (reverted > 0)
            {
                Telemetry.Reverted.Add(reverted, new KeyValuePair<string, object?>("continuationstate.outcome", "reverted"));
                Log.StaleClaimsReverted(_logger, reverted, grace);
            }
        }

        if (!_maintenance.PurgeExpired)
        {
            return new MaintenanceTickResult(reverted, 0, 0, _undeliveredStates.Count, 0, 0, _undeliveredSessions.Count);
        }

        var (purged, batches) = await PurgeInBatchesAsync(
            (c, ct) => new PendingToolStateRepository(c, null, _options).PurgeExpiredBatchAsync(_maintenance.PurgeBatchSize, ct),
            Telemetry.Purged,
            DeliverStatesAsync,
            cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            Log.ExpiredStatePurged(_logger, purged);
        }

        await WithConnectionAsync(c => new PendingToolStateRepository(c, null, _options).PurgeExpiredReceiptsAsync(cancellationToken), cancellationToken).ConfigureAwait(false);

        var (purgedSessions, sessionBatches) = (0, 0);
        if (_maintenance.PurgeExpiredWorkflowSessions)
        {
            (purgedSessions, sessionBatches) = await PurgeInBatchesAsync(
                (c, ct) => new WorkflowSessionRepository(c, null, _options).PurgeExpiredBatchAsync(_maintenance.PurgeBatchSize, ct),
                Telemetry.WorkflowSessionsPurged,
                DeliverWorkflowSessionsAsync,
                cancellationToken).ConfigureAwait(false);
            if (purgedSessions > 0)
            {
                Log.ExpiredWorkflowSessionsPurged(_logger, purgedSessions);
            }
        }

        return new MaintenanceTickResult(reverted, purged, batches, _undeliveredStates.Count, purgedSessions, sessionBatches, _undeliveredSessions.Count);
    }

    /// <summary>Runs <paramref name="purgeBatch"/> until a batch comes back short or <see cref="ContinuationStateMaintenanceOptions.MaxBatchesPerTick"/> ran.</summary>
    private async Task<(int Purged, int Batches)> PurgeInBatchesAsync<TKey>(
        Func<NpgsqlConnection, CancellationToken, Task<IReadOnlyList<TKey>>> purgeBatch,
        Counter<long> counter,
        Func<IReadOnlyList<TKey>, CancellationToken, Task> deliver,
        CancellationToken cancellationToken)
    {
        var purged = 0;
        var batches = 0;
        while (batches < _maintenance.MaxBatchesPerTick)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await WithConnectionAsync(c => purgeBatch(c, cancellationToken), cancellationToken).ConfigureAwait(false);
            batches++;
            purged += batch.Count;
            if (batch.Count > 0)
            {
                counter.Add(batch.Count, new KeyValuePair<string, object?>("continuationstate.outcome", "purged"));
                // The batch is committed: its keys are delivered even if the host is stopping.
                await deliver(batch, CancellationToken.None).ConfigureAwait(false);
            }

            if (batch.Count < _maintenance.PurgeBatchSize)
            {
                break;
            }

            if (_maintenance.PurgeBatchPause > TimeSpan.Zero && batches < _maintenance.MaxBatchesPerTick)
            {
                var pause = Task.Delay(_maintenance.PurgeBatchPause, _time, cancellationToken);
                PurgePausing?.Invoke();
                await pause.ConfigureAwait(false);
            }
        }

        return (purged, batches);
    }

    private async Task<T> WithConnectionAsync<T>(Func<NpgsqlConnection, Task<T>> run, CancellationToken cancellationToken)
    {
        var connection = await DbErrors.Translated(_dataSource.OpenConnectionAsync(cancellationToken).AsTask()).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await run(connection).ConfigureAwait(false);
    }

    private Task DeliverStatesAsync(IReadOnlyList<PurgedState> fresh, CancellationToken cancellationToken)
        => DeliverAsync(_undeliveredStates, fresh, "state", static (handler, keys, ct) => handler.OnExpiredStatesPurgedAsync(keys, ct), cancellationToken);

    private Task DeliverWorkflowSessionsAsync(IReadOnlyList<PurgedWorkflowSession> fresh, CancellationToken cancellationToken)
        => DeliverAsync(_undeliveredSessions, fresh, "workflow session", static (handler, keys, ct) => handler.OnExpiredWorkflowSessionsPurgedAsync(keys, ct), cancellationToken);

    /// <summary>
    /// Offers <paramref name="undelivered"/> plus <paramref name="fresh"/> to every handler; keeps them on failure,
    /// at most <see cref="ContinuationStateMaintenanceOptions.MaxUndeliveredKeys"/> of them.
    /// </summary>
    private async Task DeliverAsync<TKey>(
        List<TKey> undelivered,
        IReadOnlyList<TKey> fresh,
        string kind,
        Func<IContinuationStateEvents, TKey[], CancellationToken, Task> deliver,
        CancellationToken cancellationToken)
    {
        if (_handlers.Length == 0)
        {
            return;
        }

        undelivered.AddRange(fresh);
        if (undelivered.Count == 0)
        {
            return;
        }

        if (undelivered.Count > _maintenance.MaxUndeliveredKeys)
        {
            var dropped = undelivered.Count - _maintenance.MaxUndeliveredKeys;
            undelivered.RemoveRange(0, dropped);
            Log.PurgedKeysDropped(_logger, dropped, kind);
        }

        var keys = undelivered.ToArray();
        try
        {
            foreach (var handler in _handlers)
            {
                await deliver(handler, keys, cancellationToken).ConfigureAwait(false);
            }

            undelivered.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PurgeHandlerFailed(_logger, e, keys.Length, kind);
        }
    }

    private TimeSpan NextDelay()
    {
        var jitterTicks = _maintenance.MaxJitter.Ticks;
        return _maintenance.Interval + (jitterTicks > 0 ? TimeSpan.FromTicks(Random.Shared.NextInt64(jitterTicks)) : TimeSpan.Zero);
    }
}
