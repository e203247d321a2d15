using AgentHost.Agent;
using AgentHost.Endpoints;
using AgentHost.Security;
using ContinuationState;
using ContinuationState.Extensions.AI.Workflows;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.Options;

namespace AgentHost.Workflows;

/// <summary>
/// <c>POST /workflows/deploy</c> runs <see cref="DeployWorkflow"/> until it asks for approval and saves the halted run
/// as a pause (its checkpoints in PostgreSQL); <c>POST /workflows/{id}/approve</c> claims that pause under the request's
/// <c>Idempotency-Key</c> and resumes it exactly once, on any instance, after any restart.
/// </summary>
internal static class WorkflowEndpoints
{
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(1);

    public static IEndpointRouteBuilder MapWorkflows(this IEndpointRouteBuilder app)
    {
        var workflows = app.MapGroup("/workflows").RequireAuthorization();
        workflows.MapPost("/deploy", StartAsync);
        workflows.MapPost("/{id}/approve", ApproveAsync);
        return app;
    }

    private static async Task<IResult> StartAsync(
        DeployRequest? request, HttpContext http, IContinuationService continuations, WorkflowCheckpointStores stores, DeployWorkflow deploy, IOptions<AgentHostOptions> options)
    {
        if (string.IsNullOrWhiteSpace(request?.Target) || request.Target.Length > ConversationEndpoints.MaxNameLength)
        {
            return ConversationEndpoints.BadRequest($"target is required (at most {ConversationEndpoints.MaxNameLength} characters).");
        }

        var userId = http.User.UserId();
        var conversationId = Guid.NewGuid();
        await continuations.EnsureConversationAsync(conversationId.ToString(), userId, $"Deploy {request.Target}", http.RequestAborted);

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        bound.CancelAfter(RunBound);
        var store = stores.ForUser(userId);
        await using var run = await InProcessExecution.RunStreamingAsync(deploy.Build(conversationId, request.Target), request.Target, CheckpointManager.CreateJson(store), cancellationToken: bound.Token);
        var requests = new List<ExternalRequest>();
        await foreach (var evt in run.WatchStreamAsync(blockOnPendingRequest: false, bound.Token))
        {
            if (evt is RequestInfoEvent asked)
            {
                requests.Add(asked.Request);
            }
        }

        if (!WorkflowPause.TryCreate(run, requests, out var pause))
        {
            return ConversationEndpoints.BadRequest("The workflow finished without asking for approval.");
        }

        await continuations.SaveWorkflowPauseAsync(conversationId.ToString(), userId, pause, options.Value.PauseTtl, http.RequestAborted);
        return Results.Json(
            new { conversation_id = conversationId, requests = pause.Requests.Select(r => new { request_id = r.RequestId, port_id = r.PortInfo.PortId }) },
            statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ApproveAsync(
        string id, ApproveRequest? request, HttpContext http, IContinuationService continuations, WorkflowCheckpointStores stores, DeployWorkflow deploy, IOptions<AgentHostOptions> options)
    {
        if (string.IsNullOrEmpty(request?.RequestId) || string.IsNullOrEmpty(request.Answer))
        {
            return ConversationEndpoints.BadRequest("request_id and answer are required.");
        }

        if (!Guid.TryParseExact(id, "D", out var conversationId))
        {
            return ConversationEndpoints.NotFound();
        }

        var userId = http.User.UserId();
        var key = http.Request.Headers.TryGetValue(ResumeEndpoint.IdempotencyKeyHeader, out var keys) && !string.IsNullOrEmpty(keys.ToString())
            ? keys.ToString()
            : $"approve-{Guid.NewGuid():N}";
        WorkflowResumeClaim claim;
        try
        {
            claim = await continuations.ClaimWorkflowPauseAsync(id, userId, key, http.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return Results.UnprocessableEntity(new ErrorResponse("This conversation's pause is not a workflow's."));
        }

        if (ResumeEndpoint.NotClaimed(claim.Claim) is { } answer)
        {
            return answer;
        }

        var paused = claim.Pause!;
        var asked = paused.Requests.FirstOrDefault(r => r.RequestId == request.RequestId);
        if (asked is null)
        {
            await continuations.ReleaseWorkflowPauseAsync(paused, CancellationToken.None);
            return ConversationEndpoints.BadRequest($"request_id '{request.RequestId}' is not one this workflow waits for.");
        }

        // The target is what the workflow sent with its request; the workflow is rebuilt as the paused one was.
        var target = asked.Data?.GetString() ?? "";
        var result = await continuations.ResumeWorkflowAsync(
            paused,
            deploy.Build(conversationId, target),
            stores.ForUser(userId),
            [asked.CreateResponse(request.Answer)],
            new WorkflowResumeOptions { RunTimeout = RunBound, PauseTtl = options.Value.PauseTtl, Outcome = new { answer = request.Answer } },
            http.RequestAborted);
        return Results.Json(new { status = result.Outcome.ToString().ToLowerInvariant(), outputs = result.Outputs });
    }

    internal sealed record DeployRequest(string? Target);

    internal sealed record ApproveRequest(string? RequestId, string? Answer);
}
