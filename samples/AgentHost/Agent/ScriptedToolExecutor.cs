using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AgentHost.Agent;

/// <summary>The sample's only server-side tool, <c>send_email</c>, which pretends to send (no network).</summary>
internal sealed class ScriptedToolExecutor(IOptions<AgentHostOptions> options, TimeProvider time) : IToolExecutor
{
    public async Task<JsonNode> RunAsync(ToolCall call, CancellationToken cancellationToken)
    {
        if (call.Name != SendEmailFunction.ToolName)
        {
            throw new InvalidOperationException($"No server-side tool named '{call.Name}'.");
        }

        if (options.Value.ToolLatency > TimeSpan.Zero)
        {
            await Task.Delay(options.Value.ToolLatency, time, cancellationToken);
        }

        return new JsonObject
        {
            ["status"] = "sent",
            ["to"] = call.Arguments.GetProperty("to").GetString(),
            ["message_id"] = $"msg-{call.CallId}",
        };
    }
}
