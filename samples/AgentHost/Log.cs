namespace AgentHost;

/// <summary>The host's structured log lines: ids and counts, never message text or tool arguments.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Conversation {ConversationId} paused ({PauseEvent}, {PendingCount} pending tool call(s))")]
    public static partial void Paused(ILogger logger, Guid conversationId, string pauseEvent, int pendingCount);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Conversation {ConversationId} resumed by claim; {ActionCount} action(s)")]
    public static partial void Resuming(ILogger logger, Guid conversationId, int actionCount);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Conversation {ConversationId} completed; its state is deleted")]
    public static partial void Completed(ILogger logger, Guid conversationId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Conversation {ConversationId}: a resume is already in progress (409)")]
    public static partial void ResumeConflict(ILogger logger, Guid conversationId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Conversation {ConversationId}: the resume failed; claim released = {Released}")]
    public static partial void ResumeFailed(ILogger logger, Guid conversationId, bool released, Exception exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Conversation {ConversationId}: the stream failed before it paused")]
    public static partial void StreamFailed(ILogger logger, Guid conversationId, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Conversation {ConversationId}: resume actions rejected; claim released = {Released}")]
    public static partial void ActionsRejected(ILogger logger, Guid conversationId, bool released);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Conversation {ConversationId}: the resume's claim was no longer current; nothing was saved")]
    public static partial void ResumeFencedOut(ILogger logger, Guid conversationId);
}
