using System.Text.Json.Nodes;

namespace AgentHost.Agent;

/// <summary>Runs an approved server-side tool call. Tests replace it to hold a resume mid-way or make it fail.</summary>
internal interface IToolExecutor
{
    Task<JsonNode> RunAsync(ToolCall call, CancellationToken cancellationToken);
}
