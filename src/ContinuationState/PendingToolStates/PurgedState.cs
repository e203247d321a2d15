using System.Text.Json;

namespace ContinuationState;

/// <summary>
/// The keys of a state deleted because it expired, so a host can revoke an approval prompt that no longer
/// resumes anything.
/// </summary>
/// <param name="ConversationId">The conversation's UUID.</param>
/// <param name="UserId">The user that owned the state.</param>
/// <param name="AgentConfig">The agent configuration the state carried.</param>
public sealed record PurgedState(Guid ConversationId, string UserId, JsonElement AgentConfig);
