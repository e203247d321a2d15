using System.Text.Json;

namespace ContinuationState;

/// <summary>
/// One row of <c>pending_tool_state</c>. The JSON parts are standalone <see cref="JsonElement"/> values that
/// stay valid after the call that returned them.
/// </summary>
public sealed class PendingToolState
{
    /// <summary>The row's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The conversation's UUID (legacy ids are resolved to it).</summary>
    public required Guid ConversationId { get; init; }

    /// <summary>The user that owns the state.</summary>
    public required string UserId { get; init; }

    /// <summary>The full messages array at the pause point.</summary>
    public required JsonElement Messages { get; init; }

    /// <summary>The tool calls awaiting approval or client-side execution.</summary>
    public required JsonElement PendingToolCalls { get; init; }

    /// <summary>The tools configuration.</summary>
    public required JsonElement ToolsDict { get; init; }

    /// <summary>The LLM-formatted tool schemas.</summary>
    public required JsonElement ToolSchemas { get; init; }

    /// <summary>What is needed to recreate the agent.</summary>
    public required JsonElement AgentConfig { get; init; }

    /// <summary>Client-provided tool schemas, or null when none were saved.</summary>
    public JsonElement? ClientTools { get; init; }

    /// <summary>When the state was (last) saved, by the database clock.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the state stops being loadable or claimable, by the database clock.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Pending, or claimed by a running resume.</summary>
    public required PendingToolStateStatus Status { get; init; }

    /// <summary>When the current claim was taken; null while pending.</summary>
    public DateTimeOffset? ResumedAt { get; init; }

    /// <summary>
    /// The fencing token of the claim that returned this state; null unless it came from a claim. Pass the state
    /// to the fenced <c>DeleteStateAsync</c> / <c>ReleaseClaimAsync</c> overloads so they act only while this
    /// claim is still the current one.
    /// </summary>
    public Guid? ClaimToken { get; init; }

    /// <summary>The resume id (idempotency key) the current claim was taken under; null for claims without one.</summary>
    public string? ResumeId { get; init; }
}
