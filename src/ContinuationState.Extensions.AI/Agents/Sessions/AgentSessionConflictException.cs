using ContinuationState.Internal;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// A save of an agent session was refused because the stored session changed since it was read (another request saved
/// it), or because a session created afresh found one already stored: the save would have overwritten that other
/// change. Nothing was written. Thrown only by a store with conflict detection on
/// (<see cref="AgentSessionStores.ForUser(string, TimeSpan?, bool)"/>). Read the session again, apply the turn to it,
/// and save that; or answer HTTP 409.
/// </summary>
public sealed class AgentSessionConflictException : ContinuationStateException
{
    /// <summary>Creates the exception for the session <paramref name="sessionId"/> of agent <paramref name="agentId"/>.</summary>
    /// <param name="agentId">The agent's id.</param>
    /// <param name="sessionId">The session id.</param>
    public AgentSessionConflictException(string agentId, string sessionId)
        : base($"Agent session '{Guard.Shorten(sessionId)}' of agent '{Guard.Shorten(agentId)}' was saved by another request since it was read (or already existed when it was created); nothing was written.")
    {
        AgentId = agentId;
        SessionId = sessionId;
    }

    /// <summary>The agent's id.</summary>
    public string AgentId { get; }

    /// <summary>The session id.</summary>
    public string SessionId { get; }
}
