using ContinuationState.Extensions.AI;
using Microsoft.Extensions.AI;

namespace AgentHost.Agent;

/// <summary>
/// One run of the chat pipeline: the messages it was called with, its response, the options (with the live tools),
/// the text streamed, and the pause the response stopped at, if any (null: the answer is complete).
/// </summary>
internal sealed record AgentTurn(List<ChatMessage> Messages, ChatResponse Response, ChatOptions Options, string Answer, ChatPause? Pause)
{
    /// <summary>The pause event, when the turn stopped: a client-side call outranks an approval.</summary>
    public string? PauseEvent => Pause is null ? null : PendingCalls.Event(PendingToolCalls);

    /// <summary>What the pause waits for, in the wire's shape.</summary>
    public IReadOnlyList<ToolCall> PendingToolCalls => Pause is null ? [] : PendingCalls.From(Pause.ApprovalRequests, Pause.ClientToolCalls);
}
