using ContinuationState.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// A hosted service that, every <see cref="ContinuationStateMaintenanceOptions.Interval"/> (plus jitter), reverts
/// stale claims and purges expired state in bounded <c>SKIP LOCKED</c> batches, then tells every
/// <see cref="IContinuationStateEvents"/> what it purged. Safe with any number of replicas. A failing handler or
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
    private readonly List<PurgedState> _undelivered = [];

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

    /// <summary>One tick: redeliver, revert stale claims, purge expired state batch by batch.</summary>
    internal async Task<MaintenanceTickResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        await DeliverAsync([], cancellationToken).ConfigureAwait(false);

        var reverted = 0;
        if (_maintenance.RevertStaleClaims)
        {
            var grace = _maintenance.StaleClaimGrace ?? _options.StaleClaimGrace;
            reverted = await WithRepositoryAsync(r => r.RevertStaleResumingAsync(grace, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (reverted > 0)
            {
                Telemetry.Reverted.Add(reverted, new KeyValuePair<string, object?>("continuationstate.outcome", "reverted"));
                Log.StaleClaimsReverted(_logger, reverted, grace);
            }
        }

        var purged = 0;
        var batches = 0;
        while (_maintenance.PurgeExpired && batches < _maintenance.MaxBatchesPerTick)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await WithRepositoryAsync(r => r.PurgeExpiredBatchAsync(_maintenance.PurgeBatchSize, cancellationToken), cancellationToken).ConfigureAwait(false);
            batches++;
            purged += batch.Count;
            if (batch.Count > 0)
            {
                Telemetry.Purged.Add(batch.Count, new KeyValuePair<string, object?>("continuationstate.outcome", "purged"));
                // The batch is committed: its keys are delivered even if the host is stopping.
                await DeliverAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }

            if (batch.Count < _maintenance.PurgeBatchSize)
            {
                break;
            }
        }

        if (purged > 0)
        {
            Log.ExpiredStatePurged(_logger, purged);
        }

        if (_maintenance.PurgeExpired)
        {
            await WithRepositoryAsync(r => r.PurgeExpiredReceiptsAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return new MaintenanceTickResult(reverted, purged, batches, _undelivered.Count);
    }

    private async Task<T> WithRepositoryAsync<T>(Func<PendingToolStateRepository, Task<T>> run, CancellationToken cancellationToken)
    {
        var connection = await DbErrors.Translated(_dataSource.OpenConnectionAsync(cancellationToken).AsTask()).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await run(new PendingToolStateRepository(connection, null, _options)).ConfigureAwait(false);
    }

    /// <summary>Offers the undelivered keys plus <paramref name="fresh"/> to every handler; keeps them on failure.</summary>
    private async Task DeliverAsync(IReadOnlyList<PurgedState> fresh, CancellationToken cancellationToken)
    {
        if (_handlers.Length == 0)
        {
            return;
        }

        _undelivered.AddRange(fresh);
        if (_undelivered.Count == 0)
        {
            return;
        }

        if (_undelivered.Count > _maintenance.MaxUndeliveredKeys)
        {
            var dropped = _undelivered.Count - _maintenance.MaxUndeliveredKeys;
            _undelivered.RemoveRange(0, dropped);
            Log.PurgedKeysDropped(_logger, dropped);
        }

        var keys = _undelivered.ToArray();
        try
        {
            foreach (var handler in _handlers)
            {
                await handler.OnExpiredStatesPurgedAsync(keys, cancellationToken).ConfigureAwait(false);
            }

            _undelivered.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PurgeHandlerFailed(_logger, e, keys.Length);
        }
    }

    private TimeSpan NextDelay()
    {
        var jitterTicks = _maintenance.MaxJitter.Ticks;
        return _maintenance.Interval + (jitterTicks > 0 ? TimeSpan.FromTicks(Random.Shared.NextInt64(jitterTicks)) : TimeSpan.Zero);
    }
}
