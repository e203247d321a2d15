using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>One resume of a workflow from a paused checkpoint, with the framework: the part that runs under a claim.</summary>
internal static class WorkflowRun
{
    /// <summary>The responses by request id, each checked against the stored requests (id and port).</summary>
    public static Dictionary<string, WorkflowResponse> Bind(IReadOnlyList<WorkflowRequest> stored, IEnumerable<WorkflowResponse> responses)
    {
        var byId = stored.ToDictionary(r => r.RequestId, StringComparer.Ordinal);
        var bound = new Dictionary<string, WorkflowResponse>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            ArgumentNullException.ThrowIfNull(response, nameof(responses));
            if (!byId.TryGetValue(response.RequestId, out var request))
            {
                throw new ArgumentException($"Workflow request '{response.RequestId}' is not one this pause waits for.", nameof(responses));
            }

            if (!string.Equals(request.PortId, response.PortId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Workflow request '{response.RequestId}' was asked on port '{request.PortId}', not '{response.PortId}'.", nameof(responses));
            }

            if (!bound.TryAdd(response.RequestId, response))
            {
                throw new ArgumentException($"Workflow request '{response.RequestId}' is answered twice.", nameof(responses));
            }
        }

        return bound.Count > 0 ? bound : throw new ArgumentException("A resume answers at least one request.", nameof(responses));
    }

    /// <summary>
    /// Resumes from <paramref name="checkpoint"/>, answers each bound request when the run asks it again, and runs until
    /// the run halts. The stream is watched without blocking on pending requests, so it ends when the run halts: after
    /// responses were sent it is watched again, until a pass sends none.
    /// </summary>
    public static async Task<Result> ResumeAsync(Workflow workflow, PostgresCheckpointStore store, CheckpointInfo checkpoint, Dictionary<string, WorkflowResponse> responses, WorkflowResumeOptions options, CancellationToken cancellationToken)
    {
        var manager = options.CheckpointSerializerOptions is null
            ? CheckpointManager.CreateJson(store)
            : CheckpointManager.CreateJson(store, options.CheckpointSerializerOptions);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.RunTimeout);

        var outputs = new List<object?>();
        var waiting = new Dictionary<string, ExternalRequest>(StringComparer.Ordinal);
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var run = await InProcessExecution.ResumeStreamingAsync(workflow, checkpoint, manager, bound.Token).ConfigureAwait(false);
        await using (run.ConfigureAwait(false))
        {
            bool sentThisPass;
            do
            {
                sentThisPass = false;
                await foreach (var evt in run.WatchStreamAsync(blockOnPendingRequest: false, bound.Token).ConfigureAwait(false))
                {
                    switch (evt)
                    {
                        case RequestInfoEvent { Request: var request } when responses.TryGetValue(request.RequestId, out var response) && sent.Add(request.RequestId):
                            await run.SendResponseAsync(request.CreateResponse(response.Data!)).ConfigureAwait(false);
                            waiting.Remove(request.RequestId);
                            sentThisPass = true;
                            break;
                        case RequestInfoEvent { Request: var request } when !sent.Contains(request.RequestId):
                            waiting[request.RequestId] = request;
                            break;
                        case WorkflowOutputEvent output:
                            outputs.Add(output.Data);
                            break;
                        case WorkflowErrorEvent error:
                            throw new InvalidOperationException("The resumed workflow failed; the claim is handed back.", error.Exception);
                    }
                }
            }
            while (sentThisPass);

            bound.Token.ThrowIfCancellationRequested();
            var unsent = responses.Keys.Where(id => !sent.Contains(id)).ToList();
            if (unsent.Count > 0)
            {
                throw new InvalidOperationException($"The resumed run never asked request(s) {string.Join(", ", unsent.Select(id => $"'{id}'"))} again: the checkpoint does not hold the pause it was saved with.");
            }

            if (waiting.Count == 0)
            {
                return new Result(outputs, null, []);
            }

            _ = WorkflowPause.TryCreate(run, waiting.Values, out var pause);
            return new Result(outputs, pause, pause!.Requests.Select(WorkflowPauseSnapshot.Request).ToList());
        }
    }

    /// <summary>What the run did: its outputs, and the new pause when it halted for people again.</summary>
    public sealed record Result(List<object?> Outputs, WorkflowPause? Pause, List<WorkflowRequest> Waiting);
}
