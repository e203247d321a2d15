using ContinuationState.Internal;
using Microsoft.Agents.AI.Workflows;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>
/// Agent Framework workflows paused for people, resumed exactly once: save the halted run as a pause, claim it under
/// the resume's idempotency key on any replica, and resume it with the framework under that claim, which then ends
/// as completed (receipt), paused again (the new requests replace the pause in one statement) or handed back.
/// </summary>
public static class WorkflowContinuationExtensions
{
    /// <summary>Saves <paramref name="pause"/> as the conversation's pending state (an upsert).</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId (<see cref="IContinuationService.EnsureConversationAsync"/> creates one).</param>
    /// <param name="userId">The owner: the user or tenant whose checkpoint store the run wrote to.</param>
    /// <param name="pause">The halted run.</param>
    /// <param name="ttl">How long it stays resumable; <see cref="ContinuationStateOptions.DefaultTtl"/> when null. Keep it within the checkpoint store's session TTL.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation id as given.</returns>
    public static Task<string> SaveWorkflowPauseAsync(this IContinuationService service, string conversationId, string userId, WorkflowPause pause, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(pause);
        return service.SaveStateAsync(conversationId, userId, WorkflowPauseSnapshot.From(pause), ttl, cancellationToken);
    }

    /// <summary>
    /// Claims the conversation's workflow pause under <paramref name="resumeId"/>: of any number of concurrent or
    /// retried resumes exactly one gets it; a retry after it finished gets the receipt. A pause of another format is
    /// not claimed.
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner; another user's pause answers as not found.</param>
    /// <param name="resumeId">The resume's idempotency key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claim, with the typed pause when this call won it.</returns>
    /// <exception cref="InvalidDataException">The pause was not saved as a workflow pause (a chat, agent or DocsGPT pause, a later format): it is not claimed and stays exactly as it was.</exception>
    public static async Task<WorkflowResumeClaim> ClaimWorkflowPauseAsync(this IContinuationService service, string conversationId, string userId, string resumeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return await FormatCheckedClaim.ClaimAsync(service, conversationId, userId, resumeId, WorkflowPauseSnapshot.Format, static claim => new WorkflowResumeClaim(claim), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Resumes a claimed pause under its claim: the run restarts from the pause's checkpoint (never a later one), each
    /// response is sent to the request the run asks again under its stored id, and the run goes on until it finishes or
    /// halts for people again. Then the claim ends in one fenced statement: completed (the pause deleted, the receipt
    /// written), or paused again (the run's new checkpoint and outstanding requests replace the pause). A run that
    /// fails, is cancelled or exceeds <see cref="WorkflowResumeOptions.RunTimeout"/> hands the claim back and throws.
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="workflow">The workflow, built as the one that paused.</param>
    /// <param name="store">The claim's user's checkpoint store (<see cref="WorkflowCheckpointStores.ForUser(string)"/>).</param>
    /// <param name="responses">One answer per request being answered (<see cref="WorkflowRequest.CreateResponse"/>); requests left unanswered keep waiting.</param>
    /// <param name="options">Run bound, serializer options, receipt outcome and new-pause TTL; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the run (the claim is then handed back); once the run has ended, its end is recorded regardless.</param>
    /// <returns>How the resume ended, the run's outputs, and what it waits for when paused again.</returns>
    /// <exception cref="ArgumentException">
    /// No response, a response naming no stored request or another port, a request answered twice, or a store of another
    /// user. The claim is handed back; nothing ran.
    /// </exception>
    public static async Task<WorkflowResumeResult> ResumeWorkflowAsync(
        this IContinuationService service,
        ClaimedWorkflowPause claimed,
        Workflow workflow,
        PostgresCheckpointStore store,
        IEnumerable<WorkflowResponse> responses,
        WorkflowResumeOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(responses);
        options ??= new WorkflowResumeOptions();

        WorkflowRun.Result run;
        try
        {
            if (!string.Equals(store.UserId, claimed.State.UserId, StringComparison.Ordinal))
            {
                throw new ArgumentException("The checkpoint store belongs to another user than the claimed pause.", nameof(store));
            }

            var bound = WorkflowRun.Bind(claimed.Requests, responses);
            run = await WorkflowRun.ResumeAsync(workflow, store, claimed.Checkpoint, bound, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await service.ReleaseClaimAsync(claimed.State, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // The run is done: its end is recorded even if the caller has gone (a cancelled record would leave the pause
        // claimed until the stale revert, and the next resume would run the step again).
        if (run.Pause is { } next)
        {
            var paused = await service.CompleteAndPauseAgainAsync(claimed.State, WorkflowPauseSnapshot.From(next), options.Outcome, options.PauseTtl, CancellationToken.None).ConfigureAwait(false);
            return new WorkflowResumeResult(paused ? WorkflowResumeOutcome.PausedAgain : WorkflowResumeOutcome.FencedOut, run.Outputs, paused ? run.Waiting : []);
        }

        var completed = claimed.State.ResumeId is null
            ? await service.DeleteStateAsync(claimed.State, CancellationToken.None).ConfigureAwait(false)
            : await service.CompleteResumeAsync(claimed.State, options.Outcome, CancellationToken.None).ConfigureAwait(false);
        return new WorkflowResumeResult(completed ? WorkflowResumeOutcome.Completed : WorkflowResumeOutcome.FencedOut, run.Outputs, []);
    }

    /// <summary>Hands a claimed workflow pause back (fenced: only while the claim is current).</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="cancellationToken">Cancels the operation; pass <see cref="CancellationToken.None"/> when the client hung up.</param>
    /// <returns>True when the claim was released.</returns>
    public static Task<bool> ReleaseWorkflowPauseAsync(this IContinuationService service, ClaimedWorkflowPause claimed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        return service.ReleaseClaimAsync(claimed.State, cancellationToken: cancellationToken);
    }
}
