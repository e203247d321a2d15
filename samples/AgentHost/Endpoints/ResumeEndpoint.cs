using AgentHost.Agent;
using AgentHost.Security;
using AgentHost.Streaming;
using ContinuationState;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace AgentHost.Endpoints;

/// <summary>
/// <c>POST /conversations/{id}/resume</c>: claim the pause, run or skip its tool calls, stream the rest of the answer,
/// and delete the state (or save the next pause). Of two resumes at once, one streams and the other gets 409 with
/// the library's constant message. A resume that fails releases its claim, so the user can try again. With an
/// <c>Idempotency-Key</c> header, a retried resume returns the first one's outcome (202 while it still runs).
/// </summary>
internal static class ResumeEndpoint
{
    /// <summary>With this header the resume is idempotent: a retry gets the first outcome, or 202 while it runs.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<IResult> HandleAsync(
        string id,
        ResumeRequest? request,
        HttpContext http,
        OwnedConversations conversations,
        IContinuationService continuations,
        ScriptedAgent agent,
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
        var conversationId = conversation.Id.ToString();
        PendingToolState? state;
        if (http.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys) && !string.IsNullOrEmpty(keys.ToString()))
        {
            // A retry with the same key gets the first resume's outcome (or 202 while it runs), never a second run.
            var claim = await continuations.ClaimForResumeAsync(conversationId, userId, keys.ToString(), cancellationToken);
            switch (claim.Status)
            {
                case ResumeClaimStatus.InProgress:
                    return Results.Json(new { status = "in_progress", claimed_at = claim.ClaimedAt }, statusCode: StatusCodes.Status202Accepted);
                case ResumeClaimStatus.Completed:
                    return Results.Json(new { status = "completed", completed_at = claim.Receipt!.CompletedAt, outcome = claim.Receipt.Outcome });
                case ResumeClaimStatus.InProgressByAnotherResume:
                    Log.ResumeConflict(logger, conversation.Id);
                    return Results.Conflict(new ErrorResponse(claim.Message!));
                case ResumeClaimStatus.NotFound:
                    return ConversationEndpoints.NotFound();
            }

            state = claim.State!;
        }
        else
        {
            try
            {
                state = await continuations.ClaimStateAsync(conversationId, userId, cancellationToken);
            }
            catch (ResumeInProgressException e)
            {
                Log.ResumeConflict(logger, conversation.Id);
                return Results.Conflict(new ErrorResponse(e.Message));
            }
        }

        if (state is null)
        {
            return ConversationEndpoints.NotFound();
        }

        // This request holds the claim now: every way out saves the next pause, deletes the state, or releases it.
        SseWriter? sse = null;
        try
        {
            var pending = ConversationEndpoints.PendingCalls(state, json.Value.SerializerOptions);
            if (ScriptedAgent.Validate(pending, actions) is { } problem)
            {
                var released = await continuations.ReleaseClaimAsync(state, options.Value.PauseTtl, CancellationToken.None);
                Log.ActionsRejected(logger, conversation.Id, released);
                return ConversationEndpoints.BadRequest(problem);
            }

            Log.Resuming(logger, conversation.Id, actions.Count);
            sse = await SseWriter.StartAsync(http, json.Value.SerializerOptions);
            var turn = await agent.ResumeAsync(state, pending, actions, sse, cancellationToken);
            await ConversationEndpoints.FinishTurnAsync(turn, conversation, userId, state, sse, continuations, options.Value, logger, cancellationToken);
            return Results.Empty;
        }
        catch (Exception e)
        {
            // Not with the request's token: a client that hung up must not leave the pause claimed until the stale-claim
            // revert. Fenced: after a save or delete this claim is no longer current, and the release is a no-op.
            var released = await continuations.ReleaseClaimAsync(state, options.Value.PauseTtl, CancellationToken.None);
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
