using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// An Agent Framework run that stopped for the user: the serialized <see cref="AgentSession"/> (its history and the
/// pending approvals live in its state bag), the run's messages, and what waits (approval requests, client-side calls).
/// Save it with <see cref="AgentContinuationExtensions.SaveAgentPauseAsync"/>.
/// </summary>
public sealed class AgentPause
{
    private AgentPause(JsonElement session, string sessionText, IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolApprovalRequestContent> approvalRequests, IReadOnlyList<FunctionCallContent> clientToolCalls)
    {
        Session = session;
        SessionText = sessionText;
        Messages = messages;
        ApprovalRequests = approvalRequests;
        ClientToolCalls = clientToolCalls;
    }

    /// <summary>The session, as <see cref="AIAgent.SerializeSessionAsync"/> wrote it.</summary>
    public JsonElement Session { get; }

    /// <summary>The session's exact text, U+0000 and lone surrogates raw in it (the core's text policies judge them).</summary>
    internal string SessionText { get; }

    /// <summary>The paused run's response messages.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>The calls that wait for the user's approval.</summary>
    public IReadOnlyList<ToolApprovalRequestContent> ApprovalRequests { get; }

    /// <summary>The calls that wait for the client to run them.</summary>
    public IReadOnlyList<FunctionCallContent> ClientToolCalls { get; }

    /// <summary>Makes a pause of a run that stopped for the user, serializing its session; null when nothing waits.</summary>
    /// <param name="agent">The agent that ran.</param>
    /// <param name="session">The run's session.</param>
    /// <param name="response">The run's response.</param>
    /// <param name="cancellationToken">Cancels the serialization.</param>
    /// <returns>The pause, or null when the run finished.</returns>
    public static async Task<AgentPause?> CreateAsync(AIAgent agent, AgentSession session, AgentResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(response);
        var messages = response.Messages.ToList();
        var approvals = PendingChatCall.ApprovalRequests(messages);
        var clientCalls = PendingChatCall.ClientToolCalls(messages);
        if (approvals.Count == 0 && clientCalls.Count == 0)
        {
            return null;
        }

        var serialized = await agent.SerializeSessionAsync(session, ChatJson.Options, cancellationToken).ConfigureAwait(false);
        var (element, text) = ChatJson.Exact(serialized);
        return new AgentPause(element, text, messages, approvals, clientCalls);
    }
}
