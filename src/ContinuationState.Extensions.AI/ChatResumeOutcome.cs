namespace ContinuationState.Extensions.AI;

/// <summary>How <see cref="ChatContinuationExtensions.FinishChatResumeAsync"/> ended a resume.</summary>
public enum ChatResumeOutcome
{
    /// <summary>The turn finished: the pause was deleted and the receipt written.</summary>
    Completed,

    /// <summary>The turn stopped for the user again: the new pause replaced the claimed one in the same statement.</summary>
    PausedAgain,

    /// <summary>The claim was no longer current (reverted as stale, re-taken, or overwritten): nothing changed.</summary>
    FencedOut,
}
