namespace ContinuationState;

/// <summary>The fixed event ids of ContinuationState's log lines, for operators to filter on.</summary>
public static class ContinuationStateEventIds
{
    /// <summary>State saved for a conversation.</summary>
    public const int StateSaved = 1001;

    /// <summary>State deleted after a successful resume.</summary>
    public const int StateDeleted = 1002;

    /// <summary>State claimed by a resume.</summary>
    public const int StateClaimed = 1003;

    /// <summary>A claim handed back after a failed resume.</summary>
    public const int ClaimReleased = 1004;

    /// <summary>State flipped to resuming (the DocsGPT-compatible mark).</summary>
    public const int MarkedResuming = 1005;

    /// <summary>A claim was refused because another resume holds it.</summary>
    public const int ResumeInProgress = 1006;

    /// <summary>Claims abandoned by crashed workers were reverted to pending.</summary>
    public const int StaleClaimsReverted = 1007;

    /// <summary>Expired state was purged.</summary>
    public const int ExpiredStatePurged = 1008;

    /// <summary>No longer logged: legacy ids are resolved in each statement, with no cache to evict from.</summary>
    [Obsolete("No longer logged: legacy ids are resolved inside each statement, with no cache.")]
    public const int LegacyIdEvicted = 1009;

    /// <summary>A maintenance tick failed (database outage, say); the next tick tries again.</summary>
    public const int MaintenanceTickFailed = 1010;

    /// <summary>
    /// An <see cref="IContinuationStateEvents"/> handler threw (for pauses or for workflow sessions, as the line says);
    /// its keys are offered again next tick.
    /// </summary>
    public const int PurgeHandlerFailed = 1011;

    /// <summary>Purged keys that handlers kept refusing were dropped past the redelivery limit (the line says which kind).</summary>
    public const int PurgedKeysDropped = 1012;

    /// <summary>Expired workflow sessions were purged with their checkpoints.</summary>
    public const int ExpiredWorkflowSessionsPurged = 1013;

    /// <summary>A migration was applied.</summary>
    public const int MigrationApplied = 2001;

    /// <summary>The schema was already up to date.</summary>
    public const int MigrationsUpToDate = 2002;

    /// <summary>
    /// A connection of the data source the library built found a pooler between it and PostgreSQL; the library's
    /// statements are no longer prepared on it (logged once per data source; see <see cref="ConnectionPooler"/>).
    /// </summary>
    public const int ConnectionPoolerFound = 3001;
}
