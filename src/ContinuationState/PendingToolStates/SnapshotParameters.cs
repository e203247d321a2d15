using ContinuationState.Serialization;
using Dapper;

namespace ContinuationState.Internal;

/// <summary>
/// Serializes a snapshot's parts into jsonb parameters. Every part is serialized, and checked against one
/// byte budget, before anything is sent: a bad value never leaves a half-written row.
/// </summary>
internal static class SnapshotParameters
{
    public static DynamicParameters Serialize(ContinuationSnapshot snapshot, ContinuationJsonOptions options)
    {
        Required(snapshot.Messages, nameof(snapshot.Messages));
        Required(snapshot.PendingToolCalls, nameof(snapshot.PendingToolCalls));
        Required(snapshot.ToolsDict, nameof(snapshot.ToolsDict));
        Required(snapshot.ToolSchemas, nameof(snapshot.ToolSchemas));
        Required(snapshot.AgentConfig, nameof(snapshot.AgentConfig));

        var budget = new ContinuationJsonBudget(options.MaxBytes);
        var parameters = new DynamicParameters();
        parameters.Add("messages", Column(snapshot.Messages, "$.messages", options, budget));
        parameters.Add("pending_tool_calls", Column(snapshot.PendingToolCalls, "$.pending_tool_calls", options, budget));
        parameters.Add("tools_dict", Column(snapshot.ToolsDict, "$.tools_dict", options, budget));
        parameters.Add("tool_schemas", Column(snapshot.ToolSchemas, "$.tool_schemas", options, budget));
        parameters.Add("agent_config", Column(snapshot.AgentConfig, "$.agent_config", options, budget));
        parameters.Add("client_tools", snapshot.ClientTools is null ? new JsonbParameter(null) : Column(snapshot.ClientTools, "$.client_tools", options, budget));
        return parameters;
    }

    private static JsonbParameter Column(object? value, string path, ContinuationJsonOptions options, ContinuationJsonBudget budget)
        => new(ContinuationJson.SerializeColumn(value, path, options, budget));

    // The columns are NOT NULL; a missing part is a caller's bug, named here rather than stored as JSON null.
    private static void Required(object? part, string name)
    {
        if (part is null)
        {
            throw new ArgumentNullException($"snapshot.{name}", $"ContinuationSnapshot.{name} is required.");
        }
    }
}
