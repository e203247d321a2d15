using ContinuationState.Serialization;
using Dapper;

namespace ContinuationState.Internal;

/// <summary>
/// A snapshot's parts serialized to jsonb. Every part is serialized, and checked against one byte budget, before
/// anything is sent: a bad value never leaves a half-written row.
/// </summary>
internal sealed class SnapshotParameters
{
    private readonly byte[] _messages;
    private readonly byte[] _pendingToolCalls;
    private readonly byte[] _toolsDict;
    private readonly byte[] _toolSchemas;
    private readonly byte[] _agentConfig;
    private readonly byte[]? _clientTools;

    private SnapshotParameters(ContinuationSnapshot snapshot, ContinuationJsonOptions options)
    {
        Required(snapshot.Messages, nameof(snapshot.Messages));
        Required(snapshot.PendingToolCalls, nameof(snapshot.PendingToolCalls));
        Required(snapshot.ToolsDict, nameof(snapshot.ToolsDict));
        Required(snapshot.ToolSchemas, nameof(snapshot.ToolSchemas));
        Required(snapshot.AgentConfig, nameof(snapshot.AgentConfig));

        var budget = new ContinuationJsonBudget(options.MaxBytes);
        _messages = ContinuationJson.SerializeColumn(snapshot.Messages, "$.messages", options, budget);
        _pendingToolCalls = ContinuationJson.SerializeColumn(snapshot.PendingToolCalls, "$.pending_tool_calls", options, budget);
        _toolsDict = ContinuationJson.SerializeColumn(snapshot.ToolsDict, "$.tools_dict", options, budget);
        _toolSchemas = ContinuationJson.SerializeColumn(snapshot.ToolSchemas, "$.tool_schemas", options, budget);
        _agentConfig = ContinuationJson.SerializeColumn(snapshot.AgentConfig, "$.agent_config", options, budget);
        _clientTools = snapshot.ClientTools is null ? null : ContinuationJson.SerializeColumn(snapshot.ClientTools, "$.client_tools", options, budget);
        TotalBytes = options.MaxBytes - budget.Remaining;
    }

    /// <summary>The JSON size of all parts together.</summary>
    public long TotalBytes { get; }

    public static SnapshotParameters Serialize(ContinuationSnapshot snapshot, ContinuationJsonOptions options) => new(snapshot, options);

    /// <summary>A fresh parameter set (Dapper parameter bags are not reused across commands).</summary>
    public DynamicParameters ToParameters()
    {
        var parameters = new DynamicParameters();
        parameters.Add("messages", new JsonbParameter(_messages));
        parameters.Add("pending_tool_calls", new JsonbParameter(_pendingToolCalls));
        parameters.Add("tools_dict", new JsonbParameter(_toolsDict));
        parameters.Add("tool_schemas", new JsonbParameter(_toolSchemas));
        parameters.Add("agent_config", new JsonbParameter(_agentConfig));
        parameters.Add("client_tools", new JsonbParameter(_clientTools));
        return parameters;
    }

    // The columns are NOT NULL; a missing part is a caller's bug, named here rather than stored as JSON null.
    private static void Required(object? part, string name)
    {
        if (part is null)
        {
            throw new ArgumentNullException($"snapshot.{name}", $"ContinuationSnapshot.{name} is required.");
        }
    }
}
