using System.Text.Json;
using AgentHost.Agent;
using AgentHost.Security;
using AgentHost.Streaming;
using ContinuationState;
using ContinuationState.Extensions.AI;
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
    private static async Task<IResult> ListAsync(HttpContext http, OwnedConversations conversations)
        => Results.Ok(await conversations.ListAsync(http.User.UserId(), ListLimit, http.RequestAborted));

    private static async Task<IResult> StreamAsync(
        string id,
        StreamRequest? request,
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

        if (clientTools.Any(tool => tool.Name == SendEmailFunction.ToolName) || clientTools.DistinctBy(tool => tool.Name, StringComparer.Ordinal).Count() != clientTools.Count)
        {
            return BadRequest($"Client tool names must be unique and not {SendEmailFunction.ToolName}.");
        }

        if (clientTools.Any(tool => tool.Parameters is { ValueKind: not JsonValueKind.Object }))
        {
            return BadRequest("A client tool's parameters must be a JSON Schema object.");
        }

        var logger = loggers.CreateLogger(typeof(ConversationEndpoints).FullName!);
        var sse = await SseWriter.StartAsync(http, json.Value.SerializerOptions);
        try
        {
            var turn = await agent.StartAsync(request.Message, clientTools, sse, cancellationToken);
            if (turn.Pause is { } pause)
            {
                // Saved before the client hears of the pause, so a resume sent the moment the event arrives finds it.
                await continuations.SaveChatPauseAsync(conversation.Id.ToString(), userId, pause, options.Value.PauseTtl, cancellationToken);
                await WritePauseAsync(turn, conversation, sse, logger, cancellationToken);
            }
            else
            {
                await continuations.DeleteStateAsync(conversation.Id.ToString(), userId, cancellationToken);
                await WriteDoneAsync(turn, conversation, sse, logger, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StreamFailed(logger, conversation.Id, e);
            await TryWriteErrorAsync(sse, "The answer failed before it paused; send the message again.", cancellationToken);
        }

        return Results.Empty;
    }

    private static async Task<IResult> GetPendingAsync(string id, HttpContext http, OwnedConversations conversations, IContinuationService continuations)
    {
        var userId = http.User.UserId();
        var conversation = await conversations.FindAsync(id, userId, http.RequestAborted);
        var state = conversation is null ? null : await continuations.LoadStateAsync(conversation.Id.ToString(), userId, http.RequestAborted);
        if (conversation is null || state is null)
        {
            return NotFound();
        }

        var pending = PendingCalls.FromStored(state.PendingToolCalls);
        return Results.Ok(new PauseResponse(conversation.Id, PendingCalls.Event(pending), pending, state.ExpiresAt));
    }

    /// <summary>The pause event, once the pause is saved.</summary>
    internal static async Task WritePauseAsync(AgentTurn turn, Conversation conversation, SseWriter sse, ILogger logger, CancellationToken cancellationToken)
    {
        var pending = turn.PendingToolCalls;
        Log.Paused(logger, conversation.Id, turn.PauseEvent!, pending.Count);
        await sse.WriteAsync(turn.PauseEvent!, new PauseResponse(conversation.Id, turn.PauseEvent!, pending), cancellationToken);
    }

    /// <summary>The answer is complete, once the state is gone.</summary>
    internal static async Task WriteDoneAsync(AgentTurn turn, Conversation conversation, SseWriter sse, ILogger logger, CancellationToken cancellationToken)
    {
        Log.Completed(logger, conversation.Id);
        await sse.WriteAsync(AgentEvents.Done, new { turn.Answer }, cancellationToken);
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
