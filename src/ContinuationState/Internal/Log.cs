using Microsoft.Extensions.Logging;

namespace ContinuationState.Internal;

/// <summary>Source-generated log lines: ids and counts only, never payloads or user content.</summary>
internal static partial class Log
{
    [LoggerMessage(ContinuationStateEventIds.StateSaved, LogLevel.Information, "Saved continuation state for conversation {ConversationId} with {PendingToolCallCount} pending tool call(s)")]
    public static partial void StateSaved(ILogger logger, string conversationId, int pendingToolCallCount);

    [LoggerMessage(ContinuationStateEventIds.StateDeleted, LogLevel.Information, "Deleted continuation state for conversation {ConversationId}")]
    public static partial void StateDeleted(ILogger logger, string conversationId);

    [LoggerMessage(ContinuationStateEventIds.StateClaimed, LogLevel.Information, "Claimed continuation state for conversation {ConversationId}")]
    public static partial void StateClaimed(ILogger logger, string conversationId);

    [LoggerMessage(ContinuationStateEventIds.ClaimReleased, LogLevel.Information, "Released claim on continuation state for conversation {ConversationId}")]
    public static partial void ClaimReleased(ILogger logger, string conversationId);

    [LoggerMessage(ContinuationStateEventIds.MarkedResuming, LogLevel.Information, "Marked continuation state as resuming for conversation {ConversationId}")]
    public static partial void MarkedResuming(ILogger logger, string conversationId);

    [LoggerMessage(ContinuationStateEventIds.ResumeInProgress, LogLevel.Warning, "Resume already in progress for conversation {ConversationId}")]
    public static partial void ResumeInProgress(ILogger logger, string conversationId);

    [LoggerMessage(ContinuationStateEventIds.StaleClaimsReverted, LogLevel.Information, "Reverted {Count} stale resuming claim(s) older than {Grace}")]
    public static partial void StaleClaimsReverted(ILogger logger, int count, TimeSpan grace);

    [LoggerMessage(ContinuationStateEventIds.ExpiredStatePurged, LogLevel.Information, "Purged {Count} expired continuation state(s)")]
    public static partial void ExpiredStatePurged(ILogger logger, int count);

    [LoggerMessage(ContinuationStateEventIds.MaintenanceTickFailed, LogLevel.Warning, "ContinuationState maintenance tick failed; retrying on the next tick")]
    public static partial void MaintenanceTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(ContinuationStateEventIds.ExpiredWorkflowSessionsPurged, LogLevel.Information, "Purged {Count} expired workflow session(s) with their checkpoints")]
    public static partial void ExpiredWorkflowSessionsPurged(ILogger logger, int count);

    [LoggerMessage(ContinuationStateEventIds.PurgeHandlerFailed, LogLevel.Warning, "A purge event handler failed for {Count} purged {Kind} key(s); offering them again on the next tick")]
    public static partial void PurgeHandlerFailed(ILogger logger, Exception exception, int count, string kind);

    [LoggerMessage(ContinuationStateEventIds.PurgedKeysDropped, LogLevel.Error, "Dropped {Count} purged {Kind} key(s) that handlers kept failing to take")]
    public static partial void PurgedKeysDropped(ILogger logger, int count, string kind);

    [LoggerMessage(ContinuationStateEventIds.MigrationApplied, LogLevel.Information, "Applied ContinuationState migration {Migration} to schema {Schema}")]
    public static partial void MigrationApplied(ILogger logger, string migration, string schema);

    [LoggerMessage(ContinuationStateEventIds.MigrationsUpToDate, LogLevel.Debug, "ContinuationState schema {Schema} is up to date")]
    public static partial void MigrationsUpToDate(ILogger logger, string schema);

    [LoggerMessage(ContinuationStateEventIds.ConnectionPoolerFound, LogLevel.Warning, "ContinuationState found a connection pooler between it and PostgreSQL (the connection was given process id {ConnectionProcessId}, the server runs it as {BackendProcessId}) and stopped preparing its statements on that data source. Set ContinuationStateOptions.ConnectionPooler to Transaction to say so and skip the check, or to TransactionWithPreparedStatements if the pooler carries prepared statements (PgBouncer 1.21+ with max_prepared_statements)")]
    public static partial void ConnectionPoolerFound(ILogger logger, int connectionProcessId, int backendProcessId);
}
