using System.Text.Json;
using AgentHost.Streaming;
using Microsoft.Extensions.AI;

namespace AgentHost.Agent;

/// <summary>
/// The wire's <see cref="ToolCall"/>s of a pause: from typed approval requests and client calls, or from the stored
/// <c>pending_tool_calls</c> part (ContinuationState.Extensions.AI writes <c>call_id</c>, <c>name</c>, <c>arguments</c>
/// and <c>kind</c>: <c>approval</c> or <c>client</c>).
/// </summary>
internal static class PendingCalls
{
    public static List<ToolCall> From(IEnumerable<ToolApprovalRequestContent> approvals, IEnumerable<FunctionCallContent> clientCalls)
    {
        var calls = new List<ToolCall>();
        foreach (var request in approvals)
        {
            var call = request.ToolCall as FunctionCallContent;
            calls.Add(new ToolCall(request.ToolCall.CallId, call?.Name ?? "", Arguments(call), ToolCall.ServerExecution));
        }

        calls.AddRange(clientCalls.Select(call => new ToolCall(call.CallId, call.Name, Arguments(call), ToolCall.ClientExecution)));
        return calls;
    }

    /// <summary>The stored part, read without the Microsoft.Extensions.AI types (the page's list reads it straight from SQL).</summary>
    public static List<ToolCall> FromStored(JsonElement pendingToolCalls)
    {
        var calls = new List<ToolCall>();
        if (pendingToolCalls.ValueKind != JsonValueKind.Array)
        {
            return calls;
        }

        foreach (var entry in pendingToolCalls.EnumerateArray())
        {
            // kind is the package's; execution is what this host wrote before it ran on the package.
            var kind = entry.TryGetProperty("kind", out var k) ? k.GetString()
                : entry.TryGetProperty("execution", out var e) ? e.GetString() : null;
            calls.Add(new ToolCall(
                entry.GetProperty("call_id").GetString()!,
                entry.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
                entry.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object ? arguments.Clone() : EmptyObject(),
                kind == "client" ? ToolCall.ClientExecution : ToolCall.ServerExecution));
        }

        return calls;
    }

    public static string Event(IReadOnlyList<ToolCall> pending)
        => pending.Any(call => call.Execution == ToolCall.ClientExecution) ? AgentEvents.ClientToolRequired : AgentEvents.ToolApprovalRequired;

    /// <summary>
    /// Checks the user's actions against the pending calls before anything runs.
    /// </summary>
    /// <returns>Null when every pending call has exactly one valid action; otherwise what is wrong.</returns>
    public static string? Validate(IReadOnlyList<ToolCall> pending, IReadOnlyList<ToolAction> actions)
    {
        foreach (var action in actions)
        {
            if (!pending.Any(call => call.CallId == action.CallId))
            {
                return $"No pending tool call has call_id '{action.CallId}'.";
            }
        }

        foreach (var call in pending)
        {
            var matching = actions.Where(action => action.CallId == call.CallId).ToList();
            if (matching.Count != 1)
            {
                return $"Send exactly one action for call_id '{call.CallId}'.";
            }

            var action = matching[0];
            if (call.Execution == ToolCall.ClientExecution && action.Result is null)
            {
                return $"'{call.Name}' runs on the client: send its result for call_id '{call.CallId}'.";
            }

            if (call.Execution == ToolCall.ServerExecution && action.Decision is not (ToolAction.Approve or ToolAction.Deny))
            {
                return $"'{call.Name}' needs a decision for call_id '{call.CallId}': \"approve\" or \"deny\".";
            }
        }

        return null;
    }

    private static JsonElement Arguments(FunctionCallContent? call)
        => call?.Arguments is null ? EmptyObject() : JsonSerializer.SerializeToElement(call.Arguments, AIJsonUtilities.DefaultOptions);

    private static JsonElement EmptyObject() => JsonDocument.Parse("{}").RootElement.Clone();
}
