using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using ContinuationState.Internal;

namespace ContinuationState;

/// <summary>
/// One row of <c>pending_tool_state</c>. The JSON parts are standalone <see cref="JsonElement"/> values that
/// stay valid after the call that returned them. A loaded or claimed state holds each part as the UTF-8 the
/// database sent and parses it the first time it is read (once, safely from any thread), so a host pays for the
/// parts it reads, not for every part on every load.
/// </summary>
public sealed class PendingToolState
{
    private StoredJson _messages = null!;
    private StoredJson _pendingToolCalls = null!;
    private StoredJson _toolsDict = null!;
    private StoredJson _toolSchemas = null!;
    private StoredJson _agentConfig = null!;
    private StoredJson? _clientTools;

    /// <summary>Creates a state; every required member is set by the initializer.</summary>
    public PendingToolState()
    {
    }

    /// <summary>A state whose JSON parts are the UTF-8 of their jsonb columns, parsed on first use.</summary>
    [SetsRequiredMembers]
    internal PendingToolState(Guid id, Guid conversationId, string userId, byte[] messages, byte[] pendingToolCalls, byte[] toolsDict, byte[] toolSchemas, byte[] agentConfig, byte[]? clientTools)
    {
        Id = id;
        ConversationId = conversationId;
        UserId = userId;
        _messages = StoredJson.FromUtf8(messages, "messages");
        _pendingToolCalls = StoredJson.FromUtf8(pendingToolCalls, "pending_tool_calls");
        _toolsDict = StoredJson.FromUtf8(toolsDict, "tools_dict");
        _toolSchemas = StoredJson.FromUtf8(toolSchemas, "tool_schemas");
        _agentConfig = StoredJson.FromUtf8(agentConfig, "agent_config");
        _clientTools = clientTools is null ? null : StoredJson.FromUtf8(clientTools, "client_tools");
    }

    /// <summary>The row's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The conversation's UUID (legacy ids are resolved to it).</summary>
    public required Guid ConversationId { get; init; }

    /// <summary>The user that owns the state.</summary>
    public required string UserId { get; init; }

    /// <summary>The full messages array at the pause point.</summary>
    public required JsonElement Messages { get => _messages.Element; init => _messages = StoredJson.Of(value); }

    /// <summary>The tool calls awaiting approval or client-side execution.</summary>
    public required JsonElement PendingToolCalls { get => _pendingToolCalls.Element; init => _pendingToolCalls = StoredJson.Of(value); }

    /// <summary>The tools configuration.</summary>
    public required JsonElement ToolsDict { get => _toolsDict.Element; init => _toolsDict = StoredJson.Of(value); }

    /// <summary>The LLM-formatted tool schemas.</summary>
    public required JsonElement ToolSchemas { get => _toolSchemas.Element; init => _toolSchemas = StoredJson.Of(value); }

    /// <summary>What is needed to recreate the agent.</summary>
    public required JsonElement AgentConfig { get => _agentConfig.Element; init => _agentConfig = StoredJson.Of(value); }

    /// <summary>Client-provided tool schemas, or null when none were saved.</summary>
    public JsonElement? ClientTools { get => _clientTools?.Element; init => _clientTools = value is { } element ? StoredJson.Of(element) : null; }

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
