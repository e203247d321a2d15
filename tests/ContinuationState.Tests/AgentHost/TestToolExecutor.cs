using System.Text.Json.Nodes;
using AgentHost.Agent;

namespace ContinuationState.Tests.AgentHost;

/// <summary>Counts runs of the server-side tool; a test may hold a run at a gate or make it fail.</summary>
internal sealed class TestToolExecutor : IToolExecutor
{
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public Func<ToolCall, CancellationToken, Task<JsonNode>> Behaviour { get; set; } = (call, _) => Task.FromResult(Sent(call));

    public static JsonNode Sent(ToolCall call) => new JsonObject { ["status"] = "sent", ["message_id"] = $"msg-{call.CallId}" };

    public Task<JsonNode> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        return Behaviour(call, cancellationToken);
    }
}
