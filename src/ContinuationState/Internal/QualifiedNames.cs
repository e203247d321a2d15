using System.Collections.Concurrent;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>The schema-qualified, quoted table names for one configured schema, validated once.</summary>
internal sealed class QualifiedNames
{
    private static readonly ConcurrentDictionary<string, QualifiedNames> BySchema = new(StringComparer.Ordinal);

    // Each statement placeholder and its table, replaced in this order.
    private static readonly (string Placeholder, string Table)[] Tables =
    [
        ("{conversations}", "conversations"),
        ("{pending_tool_state}", "pending_tool_state"),
        ("{resume_receipts}", "resume_receipts"),
        ("{workflow_sessions}", "workflow_sessions"),
        ("{workflow_checkpoints}", "workflow_checkpoints"),
        ("{agent_sessions}", "agent_sessions"),
        ("{history}", "continuationstate_migrations"),
    ];

    private QualifiedNames(string schema)
    {
        Schema = schema;
        QuotedSchema = Quote(schema);
        MigrationHistory = $"{QuotedSchema}.continuationstate_migrations";
        ConversationsSql = new ConversationsSql(this);
        PendingToolStateSql = new PendingToolStateSql(this);
        ResumeSql = new ResumeSql(this);
        WorkflowSessionSql = new WorkflowSessionSql(this);
    }

    public ResumeSql ResumeSql { get; }

    public ConversationsSql ConversationsSql { get; }

    public PendingToolStateSql PendingToolStateSql { get; }

    public WorkflowSessionSql WorkflowSessionSql { get; }

    public string Schema { get; }

    public string QuotedSchema { get; }

    public string MigrationHistory { get; }

    public static QualifiedNames For(string schema)
    {
        // Called for every repository, so once per operation: validation runs only the first time a schema is seen.
        if (schema is not null && BySchema.TryGetValue(schema, out var names))
        {
            return names;
        }

        Validate(schema!);
        return BySchema.GetOrAdd(schema!, static s => new QualifiedNames(s));
    }

    /// <summary>Puts the quoted, schema-qualified table names into a statement's <c>{table}</c> placeholders.</summary>
    public string Qualify(string template)
    {
        foreach (var (placeholder, table) in Tables)
        {
            template = template.Replace(placeholder, $"{QuotedSchema}.{table}", StringComparison.Ordinal);
        }

        return template;
    }

    /// <summary>Returns an error message for an unusable schema name, or null when it is fine.</summary>
    public static string? Check(string? schema)
    {
        if (string.IsNullOrWhiteSpace(schema))
        {
            return "Schema must be a non-empty name.";
        }

        if (schema.Contains('\0', StringComparison.Ordinal))
        {
            return "Schema must not contain U+0000.";
        }

        // PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1); a truncated name would silently
        // point at another schema.
        if (System.Text.Encoding.UTF8.GetByteCount(schema) > 63)
        {
            return $"Schema '{schema}' is longer than PostgreSQL's 63-byte identifier limit.";
        }

        return null;
    }

    private static void Validate(string schema)
    {
        if (Check(schema) is { } error)
        {
            throw new ArgumentException(error, nameof(schema));
        }
    }

    private static string Quote(string identifier)
    {
        using var builder = new NpgsqlCommandBuilder();
        return builder.QuoteIdentifier(identifier);
    }
}
