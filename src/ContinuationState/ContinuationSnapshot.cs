namespace ContinuationState;

/// <summary>
/// Everything an agent needs to resume after a pause. Each part may be any CLR value the coercion rules
/// accept (<see cref="System.Text.Json.Nodes.JsonNode"/>, <see cref="System.Text.Json.JsonElement"/>, dictionaries,
/// lists, records, anonymous objects); see <see cref="Serialization.ContinuationJson"/>.
/// </summary>
/// <remarks>The first five parts are required: a null one is rejected with <see cref="ArgumentNullException"/>.</remarks>
/// <param name="Messages">The full messages array at the pause point.</param>
/// <param name="PendingToolCalls">The tool calls awaiting approval or client-side execution.</param>
/// <param name="ToolsDict">The tools configuration.</param>
/// <param name="ToolSchemas">The LLM-formatted tool schemas.</param>
/// <param name="AgentConfig">What is needed to recreate the agent on resume.</param>
/// <param name="ClientTools">Client-provided tool schemas for client-side execution; null when there are none.</param>
public sealed record ContinuationSnapshot(
    object Messages,
    object PendingToolCalls,
    object ToolsDict,
    object ToolSchemas,
    object AgentConfig,
    object? ClientTools = null);
