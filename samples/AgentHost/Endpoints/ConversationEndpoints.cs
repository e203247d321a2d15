using System.Text.Json;
using AgentHost.Agent;
using AgentHost.Security;
using AgentHost.Streaming;
using ContinuationState;
using Microsoft.Extensions.Options;
using Npgsql;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace AgentHost.Endpoints;

/// <summary>
/// The routes under <c>/conversations</c>, all for a signed-in user (<c>X-User-Id</c>). A conversation that is not
/// the user's, does not exist, or has no live pause answers the same 404.
/// </summary>
internal static class ConversationEndpoints
{
    public const int MaxMessageLength = 20_000;
    public const int MaxNameLength = 200;
    public const int ListLimit = 20;

    public static IEndpointRouteBuilder MapConversations(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/conversations").RequireAuthorization();
        conversations.MapGet("/", ListAsync);
        conversations.MapPost("/", CreateAsync);
        conversations.MapPost("/{id}/stream", StreamAsync);
        conversations.MapGet("/{id}/pending", GetPendingAsync);
        conversations.MapPost("/{id}/resume", ResumeEndpoint.HandleAsync);
        return app;
    }

    /// <summary>The one answer for "not yours", "no such conversation", "nothing to resume" and "expired".</summary>
    internal static IResult NotFound() => Results.NotFound(new ErrorResponse("Not found."));

    internal static IResult BadRequest(string error) => Results.BadRequest(new ErrorResponse(error));

    private static async Task<IResult> CreateAsync(CreateConversationRequest? request, HttpContext http, OwnedConversations conversations)
    {
        request ??= new CreateConversationRequest();
        if (request.Name is { Length: > MaxNameLength })
        {
            return BadRequest($"name is longer than {MaxNameLength} characters.");
        }

        if (request.LegacyId is not null && !OwnedConversations.IsLegacyId(request.LegacyId))
        {
            return BadRequest("legacy_id must be a MongoDB ObjectId: 24 hexadecimal digits.");
        }

        try
        {
            var conversation = await conversations.CreateAsync(http.User.UserId(), request.Name, request.LegacyId, http.RequestAborted);
            return Results.Created($"/conversations/{conversation.Id}", new ConversationResponse(conversation.Id, conversation.Name, conversation.LegacyMongoId));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Results.Conflict(new ErrorResponse("A conversation with that legacy_id already exists."));
        }
    }

    /// <summary>The user's newest conversations and their pauses: what the page shows after a reload or on another device.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, OwnedConversations conversations, IOptions<JsonOptions> json)
        => Results.Ok(await conversations.ListAsync(http.User.UserId(), ListLimit, json.Value.SerializerOptions, http.RequestAborted));

    private static async Task<IResult> StreamAsync(
        string id,
        StreamRequest? request,
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
            return NotFound();
        }

        if (string.IsNullOrWhiteSpace(request?.Message) || request.Message.Length > MaxMessageLength)
        {
            return BadRequest($"message is required, at most {MaxMessageLength} characters.");
        }

        var clientTools = request.ClientTools ?? [];
        if (clientTools.Any(tool => string.IsNullOrWhiteSpace(tool?.Name)))
        {
            return BadRequest("Every client tool needs a name.");
        }

        var logger = loggers.CreateLogger(typeof(ConversationEndpoints).FullName!);
        var sse = await SseWriter.StartAsync(http, json.Value.SerializerOptions);
        try
        {
            var turn = await agent.StartAsync(request.Message, clientTools, sse, cancellationToken);
            await FinishTurnAsync(turn, conversation, userId, null, sse, continuations, options.Value, logger, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StreamFailed(logger, conversation.Id, e);
            await TryWriteErrorAsync(sse, "The answer failed before it paused; send the message again.", cancellationToken);
        }

        return Results.Empty;
    }

    private static async Task<IResult> GetPendingAsync(
        string id, HttpContext http, OwnedConversations conversations, IContinuationService continuations, IOptions<JsonOptions> json)
    {
        var userId = http.User.UserId();
        var conversation = await conversations.FindAsync(id, userId, http.RequestAborted);
        var state = conversation is null ? null : await continuations.LoadStateAsync(conversation.Id.ToString(), userId, http.RequestAborted);
        if (conversation is null || state is null)
        {
            return NotFound();
        }

        var pending = PendingCalls(state, json.Value.SerializerOptions);
        return Results.Ok(new PauseResponse(conversation.Id, PauseEvent(pending), pending, state.ExpiresAt));
    }

    internal static List<ToolCall> PendingCalls(PendingToolState state, JsonSerializerOptions json)
        => state.PendingToolCalls.Deserialize<List<ToolCall>>(json) ?? [];

    internal static string PauseEvent(IReadOnlyList<ToolCall> pending)
        => pending.Any(call => call.Execution == ToolCall.ClientExecution) ? AgentEvents.ClientToolRequired : AgentEvents.ToolApprovalRequired;

    /// <summary>
    /// A paused turn is saved before the client hears of the pause, so a resume sent the moment the event arrives
    /// finds the state; a re-save over a claimed state also hands the claim back. A completed turn deletes the state,
    /// fenced by the resume's claim when there is one, so a resume that stalled past the grace period cannot delete a
    /// pause saved after its claim was reverted.
    /// </summary>
    internal static async Task FinishTurnAsync(
        AgentTurn turn, Conversation conversation, string userId, PendingToolState? claimed, SseWriter sse, IContinuationService continuations, AgentHostOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var conversationId = conversation.Id.ToString();
        switch (turn)
        {
            case PausedTurn paused:
                if (claimed?.ResumeId is not null)
                {
                    // An idempotent resume that pauses again completes first, so its retries get this outcome.
                    await continuations.CompleteResumeAsync(claimed, new { outcome = "paused", @event = paused.EventName }, cancellationToken);
                }

                await continuations.SaveStateAsync(conversationId, userId, paused.Snapshot, options.PauseTtl, cancellationToken);
                Log.Paused(logger, conversation.Id, paused.EventName, paused.PendingToolCalls.Count);
                await sse.WriteAsync(paused.EventName, new PauseResponse(conversation.Id, paused.EventName, paused.PendingToolCalls), cancellationToken);
                break;
            case CompletedTurn completed:
                _ = claimed switch
                {
                    null => await continuations.DeleteStateAsync(conversationId, userId, cancellationToken),
                    { ResumeId: not null } => await continuations.CompleteResumeAsync(claimed, new { outcome = "completed", answer = completed.Answer }, cancellationToken),
                    _ => await continuations.DeleteStateAsync(claimed, cancellationToken),
                };
                Log.Completed(logger, conversation.Id);
                await sse.WriteAsync(AgentEvents.Done, new { completed.Answer }, cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"Unknown turn {turn.GetType().Name}.");
        }
    }

    /// <summary>The status line is sent already: the failure can only be told in the stream, if the client is still there.</summary>
    internal static async Task TryWriteErrorAsync(SseWriter sse, string error, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await sse.WriteAsync(AgentEvents.Error, new ErrorResponse(error), cancellationToken);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away meanwhile; there is no one left to tell.
        }
    }
}
