namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// The key of an agent session deleted because it expired, so a host can withdraw whatever still points at it.
/// </summary>
/// <param name="UserId">The user or tenant that owned the session.</param>
/// <param name="AgentId">The id of the agent the session belonged to.</param>
/// <param name="SessionId">The framework's session id.</param>
/// <param name="Partitions">The key's partitions, by name (empty when it had none).</param>
public sealed record PurgedAgentSession(string UserId, string AgentId, string SessionId, IReadOnlyDictionary<string, string> Partitions);
