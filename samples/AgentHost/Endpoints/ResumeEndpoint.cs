using AgentHost.Agent;
using AgentHost.Security;
using AgentHost.Streaming;
using ContinuationState;
using ContinuationState.Extensions.AI;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace AgentHost.Endpoints;

/// <summary>
/// <c>POST /conversations/{id}/resume</c>: claim the pause (ContinuationState.Extensions.AI, typed), bind the user's
/// actions to the stored calls, stream the rest of the answer, and finish: the pause deleted with a receipt, or replaced
/// by the next one in the same statement. Of two resumes at once, one streams and the other gets 409 with the library's
/// constant message. A resume that fails releases its claim, so the user can try again. With an
/// <c>Idempotency-Key</c> header, a retried resume returns the first one's outcome (202 while it still runs).
/// </summary>
internal static class ResumeEndpoint
{
    /// <summary>With this header the resume is idempotent: a retry gets the first outcome, or 202 while it runs.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// The answer to a resume that did not win the claim (202 in progress, the receipt, 409, 404), or null when it won.
    /// </summary>
    internal static IResult? NotClaimed(ResumeClaim claim) => claim.Status switch
    {
        ResumeClaimStatus.InProgress => Results.Json(new { status = "in_progress", claimed_at = claim.ClaimedAt }, statusCode: StatusCodes.Status202Accepted),
        ResumeClaimStatus.Completed => Results.Json(new { status = "completed", completed_at = claim.Receipt!.CompletedAt, outcome = claim.Receipt.Outcome }),
        ResumeClaimStatus.InProgressByAnotherResume => Results.Conflict(new ErrorResponse(claim.Message!)),
        ResumeClaimStatus.NotFound => ConversationEndpoints.NotFound(),
        _ => null,
    };

    public static async Task<IResult> HandleAsync(
        string id,
        ResumeRequest? request,
        HttpContext http,
        OwnedConversations conversations,
        IContinuationService continuations,
        ChatAgent agent,
        IOptions<AgentHostOptions> options,
        IOptions<JsonOptions> json,
        ILoggerFactory loggers)
    {
        var cancellationToken = http.RequestAborted;
        var userId = http.User.UserId();
        var conversation = await conversations.FindAsync(id, userId, cancellationToken);
        if (conversation is null)
        {
            return ConversationEndpoints.NotFound();
        }

        if (request?.Actions is not { Count: > 0 } actions || actions.Any(action => string.IsNullOrEmpty(action?.CallId)))
        {
            return ConversationEndpoints.BadRequest("actions is required: [{\"call_id\": ..., \"decision\": \"approve\" | \"deny\"} or {\"call_id\": ..., \"result\": ...}].");
        }

        var logger = loggers.CreateLogger(typeof(ResumeEndpoint).FullName!);
        // Without a header the resume still claims under a key of its own (used once): the same exactly-once claim and
        // fenced finish, and a concurrent resume is "another resume" (409) whatever key it has.
        var key = http.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys) && !string.IsNullOrEmpty(keys.ToString())
            ? keys.ToString()
            : $"resume-{Guid.NewGuid():N}";
        ChatResumeClaim claim;
        try
        {
            claim = await continuations.ClaimChatPauseAsync(conversation.Id.ToString(), userId, key, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // Saved by a host that does not speak Microsoft.Extensions.AI; the package handed the claim back.
            return Results.UnprocessableEntity(new ErrorResponse("This pause was saved by another kind of agent host and cannot be resumed here."));
        }

        if (NotClaimed(claim.Claim) is { } answer)
        {
            if (claim.Status == ResumeClaimStatus.InProgressByAnotherResume)
            {
                Log.ResumeConflict(logger, conversation.Id);
            }

            return answer;
        }

        var claimed = claim.Pause!;
        // This request holds the claim now: every way out replaces the pause, deletes it, or releases the claim.
        SseWriter? sse = null;
        try
        {
            var pending = PendingCalls.From(claimed.ApprovalRequests, claimed.ClientToolCalls);
            if (PendingCalls.Validate(pending, actions) is { } problem)
            {
                var released = await continuations.ReleaseChatPauseAsync(claimed, options.Value.PauseTtl, CancellationToken.None);
                Log.ActionsRejected(logger, conversation.Id, released);
                return ConversationEndpoints.BadRequest(problem);
            }

            Log.Resuming(logger, conversation.Id, actions.Count);
            sse = await SseWriter.StartAsync(http, json.Value.SerializerOptions);
            var turn = await agent.ResumeAsync(claimed, actions, sse, cancellationToken);
            // The receipt a retry with the same key gets: the answer, or which pause came next.
            object outcome = turn.Pause is null ? new { outcome = "completed", answer = turn.Answer } : new { outcome = "paused", @event = turn.PauseEvent };
            var finished = await continuations.FinishChatResumeAsync(claimed, turn.Messages, turn.Response, turn.Options, outcome, options.Value.PauseTtl, cancellationToken);
            switch (finished)
            {
                case ChatResumeOutcome.PausedAgain:
                    await ConversationEndpoints.WritePauseAsync(turn, conversation, sse, logger, cancellationToken);
                    break;
                case ChatResumeOutcome.Completed:
                    await ConversationEndpoints.WriteDoneAsync(turn, conversation, sse, logger, cancellationToken);
                    break;
                default:
                    // The claim was reverted as stale (this resume stalled past the grace period) and someone else owns
                    // the pause now: nothing of this run was saved, and the client must not think it was.
                    Log.ResumeFencedOut(logger, conversation.Id);
                    await ConversationEndpoints.TryWriteErrorAsync(sse, "This resume took too long and was superseded; reload to see the conversation.", cancellationToken);
                    break;
            }

            return Results.Empty;
        }
        catch (Exception e)
        {
            // Not with the request's token: a client that hung up must not leave the pause claimed until the stale-claim
            // revert. Fenced: after a save or delete this claim is no longer current, and the release is a no-op.
            var released = await continuations.ReleaseChatPauseAsync(claimed, options.Value.PauseTtl, CancellationToken.None);
            Log.ResumeFailed(logger, conversation.Id, released, e);
            if (sse is null)
            {
                throw;
            }

            await ConversationEndpoints.TryWriteErrorAsync(sse, "The resume failed and was rolled back; send your answer again.", cancellationToken);
            return Results.Empty;
        }
    }
}
