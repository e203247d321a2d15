using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// A user's answer to one stored approval request. It names the request only: the call that runs is always the one
/// the pause stored, never call details a client sent.
/// </summary>
/// <param name="RequestId">The <c>ToolApprovalRequestContent.RequestId</c> being answered.</param>
/// <param name="Approved">Whether the call may run.</param>
/// <param name="Reason">Why, if the user said; passed to the model with a denial.</param>
public readonly record struct ToolApprovalDecision(string RequestId, bool Approved, string? Reason = null)
{
    /// <summary>The decisions in approval responses a client sent: their request ids and answers, nothing of their calls.</summary>
    internal static IEnumerable<ToolApprovalDecision> From(IEnumerable<ToolApprovalResponseContent> responses)
        => responses.Select(r => new ToolApprovalDecision(r.RequestId, r.Approved, r.Reason));
}
