namespace ContinuationState;

/// <summary>
/// Another request already holds the claim on this conversation's state: its resume is running, so this
/// one must not run the same tool calls. Hosts answer it with HTTP 409 and <see cref="DefaultMessage"/>.
/// </summary>
public sealed class ResumeInProgressException : ContinuationStateException
{
    /// <summary>The constant message, identical to DocsGPT's, safe to show to the user.</summary>
    public const string DefaultMessage = "Resume already in progress for this conversation.";

    /// <summary>Creates the exception with <see cref="DefaultMessage"/>.</summary>
    public ResumeInProgressException()
        : base(DefaultMessage)
    {
    }
}
