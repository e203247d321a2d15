namespace ContinuationState;

/// <summary>
/// A migration that the database records as applied differs from the script shipped in this library
/// (someone edited an applied migration). It is reported, never re-run; nothing was changed.
/// </summary>
public sealed class MigrationChecksumMismatchException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="migration">The migration's name, e.g. <c>0002_pending_tool_state</c>.</param>
    /// <param name="recordedChecksum">The checksum the database recorded when it applied the migration.</param>
    /// <param name="shippedChecksum">The checksum of the script shipped in this library.</param>
    public MigrationChecksumMismatchException(string migration, string recordedChecksum, string shippedChecksum)
        : base($"Migration '{migration}' was applied with checksum {recordedChecksum}, but the shipped script has checksum {shippedChecksum}. Applied migrations must not be edited; add a new migration instead.")
    {
        Migration = migration;
        RecordedChecksum = recordedChecksum;
        ShippedChecksum = shippedChecksum;
    }

    /// <summary>The migration's name.</summary>
    public string Migration { get; }

    /// <summary>The checksum recorded by the database.</summary>
    public string RecordedChecksum { get; }

    /// <summary>The checksum of the shipped script.</summary>
    public string ShippedChecksum { get; }
}
