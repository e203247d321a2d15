namespace ContinuationState;

/// <summary>The lifecycle of a row in <c>pending_tool_state</c> (the column <c>status</c>).</summary>
public enum PendingToolStateStatus
{
    /// <summary>Paused, waiting for the user: loadable and claimable until it expires.</summary>
    Pending,

    /// <summary>Claimed by a resume that is running; no second resume may run the same tool calls.</summary>
    Resuming,
}
