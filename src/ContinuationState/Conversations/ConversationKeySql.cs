namespace ContinuationState.Internal;

/// <summary>
/// The two spellings of a statement's <c>{conversation_id}</c>: a bound UUID, or the lookup of a legacy id inside
/// the statement itself. Resolving in the statement costs no extra round trip, and a legacy id always names the
/// conversation that holds it now: never one a cache remembered, which may since have been deleted or lost the id.
/// </summary>
internal static class ConversationKeySql
{
    private const string Placeholder = "{conversation_id}";

    // conversations_legacy_mongo_id_uidx makes this an index lookup of at most one row.
    private const string LegacyLookup = "(SELECT id FROM {conversations} WHERE legacy_mongo_id = @legacy_mongo_id)";

    public static string ByUuid(string template) => template.Replace(Placeholder, "@conversation_id", StringComparison.Ordinal);

    public static string ByLegacyId(string template) => template.Replace(Placeholder, LegacyLookup, StringComparison.Ordinal);
}
