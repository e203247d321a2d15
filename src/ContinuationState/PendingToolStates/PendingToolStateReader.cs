using System.Data.Common;
using System.Text.Json;

namespace ContinuationState.Internal;

/// <summary>Reads a <see cref="PendingToolState"/> from the column order of <see cref="PendingToolStateSql"/>.</summary>
internal static class PendingToolStateReader
{
    /// <summary>Reads the state whose first column is at <paramref name="offset"/>.</summary>
    public static PendingToolState Read(DbDataReader reader, int offset = 0)
    {
        // Column by column in order, so the reader may stream the row (CommandBehavior.SequentialAccess).
        var id = reader.GetFieldValue<Guid>(offset);
        var conversationId = reader.GetFieldValue<Guid>(offset + 1);
        var userId = reader.GetFieldValue<string>(offset + 2);
        var messages = reader.GetFieldValue<byte[]>(offset + 3);
        var pendingToolCalls = reader.GetFieldValue<byte[]>(offset + 4);
        var toolsDict = reader.GetFieldValue<byte[]>(offset + 5);
        var toolSchemas = reader.GetFieldValue<byte[]>(offset + 6);
        var agentConfig = reader.GetFieldValue<byte[]>(offset + 7);
        var clientTools = reader.IsDBNull(offset + 8) ? null : reader.GetFieldValue<byte[]>(offset + 8);
        return new PendingToolState(id, conversationId, userId, messages, pendingToolCalls, toolsDict, toolSchemas, agentConfig, clientTools)
        {
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(offset + 9),
            ExpiresAt = reader.GetFieldValue<DateTimeOffset>(offset + 10),
            Status = ParseStatus(reader.GetFieldValue<string>(offset + 11)),
            ResumedAt = reader.IsDBNull(offset + 12) ? null : reader.GetFieldValue<DateTimeOffset>(offset + 12),
            ClaimToken = reader.IsDBNull(offset + 13) ? null : reader.GetFieldValue<Guid>(offset + 13),
            ResumeId = reader.IsDBNull(offset + 14) ? null : reader.GetFieldValue<string>(offset + 14),
        };
    }

    /// <summary>
    /// Reads jsonb as its UTF-8 bytes and parses them once, with no detour through a UTF-16 string. Parsing here
    /// rather than in Npgsql lifts System.Text.Json's default depth of 64 to what PostgreSQL itself accepts. The
    /// document is never disposed, so its root element stays valid after the reader closes.
    /// </summary>
    public static JsonElement Json(DbDataReader reader, int ordinal)
        => JsonDocument.Parse(reader.GetFieldValue<byte[]>(ordinal), ReadOptions).RootElement;

    /// <summary>How stored jsonb is parsed: with a nesting limit above what the writer accepts.</summary>
    internal static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = MaxReadDepth };

    /// <summary>Deeper than any state the writer accepts; PostgreSQL's own limit is its stack depth.</summary>
    internal const int MaxReadDepth = 10_000;

    public static PendingToolStateStatus ParseStatus(string status) => status switch
    {
        "pending" => PendingToolStateStatus.Pending,
        "resuming" => PendingToolStateStatus.Resuming,
        _ => throw new ContinuationStateException($"Unexpected pending_tool_state.status '{status}'."),
    };
}
