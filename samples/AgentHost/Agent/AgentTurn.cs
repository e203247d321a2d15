using ContinuationState;

namespace AgentHost.Agent;

/// <summary>How an agent turn ended: paused (state to save) or completed (state to delete).</summary>
internal abstract record AgentTurn;

/// <param name="EventName">The pause event to send once the state is saved.</param>
internal sealed record PausedTurn(string EventName, ContinuationSnapshot Snapshot, IReadOnlyList<ToolCall> PendingToolCalls) : AgentTurn;

internal sealed record CompletedTurn(string Answer) : AgentTurn;
