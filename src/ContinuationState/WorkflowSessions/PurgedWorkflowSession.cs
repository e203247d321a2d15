namespace ContinuationState;

/// <summary>
/// The key of a workflow session (ContinuationState.Extensions.AI.Workflows) deleted, with all its checkpoints,
/// because it expired; so a host can withdraw whatever still points at it (an approval prompt, say).
/// </summary>
/// <param name="UserId">The user or tenant that owned the session.</param>
/// <param name="SessionId">The workflow session id.</param>
public sealed record PurgedWorkflowSession(string UserId, string SessionId);
