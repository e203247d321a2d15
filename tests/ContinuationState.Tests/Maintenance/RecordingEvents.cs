using System.Collections.Concurrent;

namespace ContinuationState.Tests.Maintenance;

/// <summary>Collects what the maintenance service reports; can be told to fail or to run code on delivery.</summary>
internal sealed class RecordingEvents : IContinuationStateEvents
{
    public ConcurrentQueue<PurgedState> Received { get; } = new();

    public int Calls;

    public int FailuresLeft { get; set; }

    public Action<IReadOnlyList<PurgedState>>? OnDelivery { get; set; }

    public ConcurrentQueue<PurgedWorkflowSession> ReceivedSessions { get; } = new();

    public int SessionCalls;

    public int SessionFailuresLeft { get; set; }

    public Task OnExpiredStatesPurgedAsync(IReadOnlyList<PurgedState> purged, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new InvalidOperationException("handler down");
        }

        foreach (var key in purged)
        {
            Received.Enqueue(key);
        }

        OnDelivery?.Invoke(purged);
        return Task.CompletedTask;
    }

    public Task OnExpiredWorkflowSessionsPurgedAsync(IReadOnlyList<PurgedWorkflowSession> purged, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref SessionCalls);
        if (SessionFailuresLeft > 0)
        {
            SessionFailuresLeft--;
            throw new InvalidOperationException("session handler down");
        }

        foreach (var key in purged)
        {
            ReceivedSessions.Enqueue(key);
        }

        return Task.CompletedTask;
    }
}
