using System.Text.Json;
using ContinuationState.Serialization;
using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// How a <see cref="WorkflowPause"/> maps onto the six parts of <c>pending_tool_state</c>: <c>pending_tool_calls</c>
/// one entry per waiting request (<c>request_id</c>, <c>port_id</c>, <c>kind</c> <c>workflow_request</c>, <c>data</c>);
/// <c>agent_config</c> the format, the session and the checkpoint the run halted at; <c>messages</c>, <c>tools_dict</c>
/// and <c>tool_schemas</c> empty (a workflow keeps its state in its checkpoints), <c>client_tools</c> null.
/// </summary>
internal static class WorkflowPauseSnapshot
{
    public const string Format = "microsoft.agents.ai.workflows";

    public static ContinuationSnapshot From(WorkflowPause pause) => new(
        Messages: Array.Empty<object>(),
        PendingToolCalls: pause.Requests.Select(r => new Dictionary<string, object?>
        {
            ["request_id"] = r.RequestId,
            ["port_id"] = r.PortInfo.PortId,
            ["kind"] = "workflow_request",
            ["data"] = DataOf(r),
        }).ToList(),
        ToolsDict: new Dictionary<string, object?>(),
        ToolSchemas: Array.Empty<object>(),
        AgentConfig: new Dictionary<string, object?>
        {
            ["format"] = Format,
            ["session_id"] = pause.Checkpoint.SessionId,
            ["checkpoint_id"] = pause.Checkpoint.CheckpointId,
        },
        ClientTools: null);

    /// <summary>The checkpoint a claimed pause resumes from.</summary>
    public static CheckpointInfo Checkpoint(PendingToolState state)
        => new(StringMember(state.AgentConfig, "session_id"), StringMember(state.AgentConfig, "checkpoint_id"));

    /// <summary>The requests a claimed pause waits for.</summary>
    public static List<WorkflowRequest> Requests(PendingToolState state)
    {
        if (state.PendingToolCalls.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("The stored pending_tool_calls part of a workflow pause is not an array.");
        }

        return state.PendingToolCalls.EnumerateArray()
            .Select(entry => new WorkflowRequest(
                StringMember(entry, "request_id"),
                StringMember(entry, "port_id"),
                entry.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null ? data.Clone() : null))
            .ToList();
    }

    /// <summary>A live request as a pause stores it (its data as the core would store it, or null when it cannot be).</summary>
    public static WorkflowRequest Request(ExternalRequest request)
    {
        JsonElement? data = null;
        if (DataOf(request) is { } value)
        {
            try
            {
                data = JsonElement.Parse(ContinuationJson.SerializeToUtf8Bytes(value));
            }
            catch (ContinuationJsonException)
            {
                // The save of this pause refuses it with its path; here it only describes the wait.
            }
        }

        return new WorkflowRequest(request.RequestId, request.PortInfo.PortId, data);
    }

    /// <summary>The request's payload as the run holds it, for the core to store as JSON (its coercion rules).</summary>
    private static object? DataOf(ExternalRequest request) => request.Data.AsType(typeof(object));

    private static string StringMember(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"The stored workflow pause has no \"{name}\" string.");
}
