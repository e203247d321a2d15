using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// A claimed agent pause: restore its session on the agent, run the agent with
/// <see cref="CreateResponseMessage(IEnumerable{ToolApprovalDecision}, IEnumerable{FunctionResultContent})"/>, then
/// finish with <see cref="AgentContinuationExtensions.FinishAgentResumeAsync"/>.
/// </summary>
public sealed class ClaimedAgentPause
{
    internal ClaimedAgentPause(PendingToolState state)
    {
        ChatPauseSnapshot.RequireFormat(state.AgentConfig, AgentPauseSnapshot.Format);
        State = state;
        Session = AgentPauseSnapshot.Session(state.AgentConfig);
        Messages = ChatPauseSnapshot.Messages(state);
        ApprovalRequests = PendingChatCall.ApprovalRequests(Messages);
        ClientToolCalls = PendingChatCall.ClientToolCalls(Messages);
    }

    /// <summary>The claimed state, with its claim token: what the fenced completion and release take.</summary>
    public PendingToolState State { get; }

    /// <summary>The serialized session.</summary>
    public JsonElement Session { get; }

    /// <summary>The paused run's response messages.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>The stored approval requests.</summary>
    public IReadOnlyList<ToolApprovalRequestContent> ApprovalRequests { get; }

    /// <summary>The stored calls the client must run.</summary>
    public IReadOnlyList<FunctionCallContent> ClientToolCalls { get; }

    /// <summary>Restores the session on <paramref name="agent"/> (<see cref="AIAgent.DeserializeSessionAsync"/>).</summary>
    /// <param name="agent">The agent to resume, configured as the one that paused (same tools).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The session to run the agent with.</returns>
    public ValueTask<AgentSession> RestoreSessionAsync(AIAgent agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.DeserializeSessionAsync(Session, ChatJson.Options, cancellationToken);
    }

    /// <summary>
    /// The user message to run the agent with: an approval response for every stored request, each built from the
    /// stored request (so the stored call runs, whatever a client sent), and the client's result for every client call.
    /// </summary>
    /// <param name="decisions">One decision per stored approval request, by request id.</param>
    /// <param name="clientResults">One result per stored client-side call, by call id; none when there are none.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException">A decision or result names no stored request or call, names one twice, or one is missing.</exception>
    public ChatMessage CreateResponseMessage(IEnumerable<ToolApprovalDecision> decisions, IEnumerable<FunctionResultContent>? clientResults = null)
        => PendingChatCall.Answer(ApprovalRequests, ClientToolCalls, decisions, clientResults);

    /// <summary>
    /// The same, from approval responses a client sent (deserialized from its request): only each response's request
    /// id and decision are used; its call, which a client could have forged, is replaced by the stored one.
    /// </summary>
    /// <param name="responses">One response per stored approval request.</param>
    /// <param name="clientResults">One result per stored client-side call, by call id; none when there are none.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException">A response names no stored request, names one twice, or one is missing.</exception>
    public ChatMessage CreateResponseMessageFromResponses(IEnumerable<ToolApprovalResponseContent> responses, IEnumerable<FunctionResultContent>? clientResults = null)
    {
        ArgumentNullException.ThrowIfNull(responses);
        return CreateResponseMessage(ToolApprovalDecision.From(responses), clientResults);
    }
}
