using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentHost.Agent;

// The wire and state shapes of the sample, in snake_case on the wire (see AddAgentHost).

/// <summary><c>POST /conversations</c>: a name, and the MongoDB ObjectId of a conversation migrated from DocsGPT.</summary>
internal sealed record CreateConversationRequest(string? Name = null, string? LegacyId = null);

internal sealed record ConversationResponse(Guid Id, string? Name, string? LegacyId);

/// <summary><c>POST /conversations/{id}/stream</c>: the user's message and the tools the client runs itself.</summary>
internal sealed record StreamRequest(string? Message, IReadOnlyList<ClientTool>? ClientTools = null);

/// <summary>A tool the client executes (its schema travels in <c>client_tools</c>).</summary>
internal sealed record ClientTool(string Name, string? Description = null, JsonElement? Parameters = null);

/// <summary><c>POST /conversations/{id}/resume</c>: one action per pending tool call.</summary>
internal sealed record ResumeRequest(IReadOnlyList<ToolAction>? Actions);

/// <summary>
/// The user's answer to one pending call: <c>decision</c> "approve" or "deny" for a tool that needs approval,
/// <c>result</c> for a client-side tool.
/// </summary>
internal sealed record ToolAction(string? CallId, string? Decision = null, JsonElement? Result = null)
{
    public const string Approve = "approve";
    public const string Deny = "deny";
}

/// <summary>A tool call the agent made, as the wire shows it (see <see cref="PendingCalls"/>).</summary>
/// <param name="Execution"><see cref="ServerExecution"/> (runs here after approval) or <see cref="ClientExecution"/>.</param>
internal sealed record ToolCall(string CallId, string Name, JsonElement Arguments, string Execution)
{
    public const string ServerExecution = "server";
    public const string ClientExecution = "client";
}

/// <summary>What the pending-pause route and the pause events tell the client.</summary>
internal sealed record PauseResponse(Guid ConversationId, string Kind, IReadOnlyList<ToolCall> PendingToolCalls, DateTimeOffset? ExpiresAt = null);

/// <summary><c>GET /conversations</c>: one of the user's conversations, newest first, with its saved pause if any.</summary>
internal sealed record ConversationSummary(Guid Id, string? Name, DateTimeOffset CreatedAt, PauseSummary? Pause);

/// <summary>A saved pause, for a page that comes back to it: what it waits for and the messages so far (<see cref="PauseTranscript"/>).</summary>
/// <param name="Status"><c>pending</c> (answer it), <c>resuming</c> (a resume holds the claim now) or <c>expired</c> (past its TTL, not purged yet).</param>
/// <param name="Kind">The pause event: <c>tool_approval_required</c> or <c>client_tool_required</c>.</param>
internal sealed record PauseSummary(string Status, string Kind, IReadOnlyList<ToolCall> PendingToolCalls, DateTimeOffset ExpiresAt, JsonArray Messages);

internal sealed record ErrorResponse(string Error);
