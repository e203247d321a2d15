namespace ContinuationState;

/// <summary>What a claim under a resume id found. Every expected case is a status, not an exception.</summary>
public enum ResumeClaimStatus
{
    /// <summary>This call took the claim: run the tools, then complete the resume (or release the claim).</summary>
    Claimed,

    /// <summary>
    /// A resume with this same id holds the claim and is still running (a retry of it). Do not run the tools;
    /// answer "still running" (e.g. HTTP 202) and let the client retry later.
    /// </summary>
    InProgress,

    /// <summary>
    /// A different resume (another id, or one without an id) holds the claim: DocsGPT's 409 case, answered with
    /// <see cref="ResumeInProgressException.DefaultMessage"/>.
    /// </summary>
    InProgressByAnotherResume,

    /// <summary>This resume id already completed: its receipt carries the first outcome. Do not run the tools.</summary>
    Completed,

    /// <summary>No live state and no receipt for this resume id (or the conversation is another user's).</summary>
    NotFound,
}
