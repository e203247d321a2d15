namespace ContinuationState.Internal;

/// <summary>The statements on <c>conversations</c>.</summary>
internal sealed class ConversationsSql
{
    private const string Columns = "id, user_id, name, legacy_mongo_id, created_at, updated_at";

    // Not scoped by user, as in DocsGPT: the pending_tool_state statements that follow filter by user.
    private const string ResolveLegacyTemplate = """
        SELECT id FROM {conversations} WHERE legacy_mongo_id = @legacy_mongo_id
        """;

    private const string ResolveLegacyForUserTemplate = """
        SELECT id FROM {conversations} WHERE legacy_mongo_id = @legacy_mongo_id AND user_id = @user_id
        """;

    private const string InsertTemplate = """
        INSERT INTO {conversations} (user_id, name, legacy_mongo_id)
        VALUES (@user_id, @name, @legacy_mongo_id)
        RETURNING {columns}
        """;

    // Idempotent create under the host's id. Either the insert returns the row, or the existing row is read: both in
    // one statement. No row at all means a concurrent insert committed after this statement's snapshot; the caller
    // asks again (that one sees it).
    private const string EnsureTemplate = """
        WITH inserted AS (
            INSERT INTO {conversations} (id, user_id, name)
            VALUES (@id, @user_id, @name)
            ON CONFLICT (id) DO NOTHING
            RETURNING user_id
        )
        SELECT true AS created, user_id FROM inserted
        UNION ALL
        SELECT false, user_id FROM {conversations} WHERE id = @id
        """;

    private const string GetTemplate = """
        SELECT {columns} FROM {conversations}
        WHERE id = @id AND (@user_id::text IS NULL OR user_id = @user_id)
        """;

    private const string GetByLegacyIdTemplate = """
        SELECT {columns} FROM {conversations}
        WHERE legacy_mongo_id = @legacy_mongo_id AND (@user_id::text IS NULL OR user_id = @user_id)
        """;

    public ConversationsSql(QualifiedNames names)
    {
        ResolveLegacy = Qualify(ResolveLegacyTemplate, names);
        ResolveLegacyForUser = Qualify(ResolveLegacyForUserTemplate, names);
        Insert = Qualify(InsertTemplate, names);
        Ensure = Qualify(EnsureTemplate, names);
        Get = Qualify(GetTemplate, names);
        GetByLegacyId = Qualify(GetByLegacyIdTemplate, names);
    }

    public string ResolveLegacy { get; }

    public string ResolveLegacyForUser { get; }

    public string Insert { get; }

    public string Ensure { get; }

    public string Get { get; }

    public string GetByLegacyId { get; }

    private static string Qualify(string template, QualifiedNames names)
        => names.Qualify(template.Replace("{columns}", Columns, StringComparison.Ordinal));
}
