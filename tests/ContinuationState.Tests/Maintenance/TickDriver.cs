using System.Threading.Channels;
using ContinuationState.Internal;
using Microsoft.Extensions.Time.Testing;

namespace ContinuationState.Tests.Maintenance;

/// <summary>Runs the hosted loop and advances fake time one interval per tick, once the loop is waiting.</summary>
internal sealed class TickDriver : IAsyncDisposable
{
    private readonly ContinuationStateMaintenanceService _service;
    private readonly FakeTimeProvider _time;
    private readonly Channel<bool> _waiting = Channel.CreateUnbounded<bool>();
    private readonly Channel<(MaintenanceTickResult? Result, Exception? Error)> _ticks = Channel.CreateUnbounded<(MaintenanceTickResult?, Exception?)>();

    private TickDriver(ContinuationStateMaintenanceService service, FakeTimeProvider time)
    {
        _service = service;
        _time = time;
        service.Waiting = () => _waiting.Writer.TryWrite(true);
        service.TickEnded = (result, error) => _ticks.Writer.TryWrite((result, error));
    }

    public static async Task<TickDriver> StartAsync(ContinuationStateMaintenanceService service, FakeTimeProvider time)
    {
        var driver = new TickDriver(service, time);
        await service.StartAsync(CancellationToken.None);
        return driver;
    }

    public async Task<(MaintenanceTickResult? Result, Exception? Error)> TickAsync()
    {
        await _waiting.Reader.ReadAsync();
        _time.Advance(TimeSpan.FromSeconds(60));
        return await _ticks.Reader.ReadAsync();
    }

    public async ValueTask DisposeAsync() => await _service.StopAsync(CancellationToken.None);
}
