using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentHost.Agent;

namespace ContinuationState.Tests.AgentHost;

/// <summary>Counts runs of the server-side tool; a test may hold a run at a gate or make it fail.</summary>
internal sealed class TestToolExecutor : IToolExecutor
{
    private readonly ConcurrentQueue<ToolCall> _calls = new();
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Every call the host ran, with the arguments it ran with.</summary>
    public IReadOnlyCollection<ToolCall> Calls => _calls;

    public Func<ToolCall, CancellationToken, Task<JsonNode>> Behaviour { get; set; } = (call, _) => Task.FromResult(Sent(call));

    public static JsonNode Sent(ToolCall call) => new JsonObject { ["status"] = "sent", ["message_id"] = $"msg-{call.CallId}" };

    public Task<JsonNode> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        _calls.Enqueue(call);
        return Behaviour(call, cancellationToken);
    }
}
