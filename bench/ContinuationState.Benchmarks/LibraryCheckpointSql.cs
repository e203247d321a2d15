using System.Reflection;
using ContinuationState.Extensions.AI.Workflows;
using ContinuationState.Internal;

namespace ContinuationState.Benchmarks;

/// <summary>
/// The exact SQL text <see cref="PostgresCheckpointStore"/> sends, read from its internal <c>WorkflowCheckpointSql</c>
/// for the bench's schema, so the raw baseline runs the very statements it is compared with. The Workflows package does
/// not grant the bench its internals (the core package does), hence reflection, as <see cref="LibrarySql"/> does; if
/// the store renames them, this fails with a message saying so.
/// </summary>
internal sealed class LibraryCheckpointSql
{
    private LibraryCheckpointSql(string create, string retrieve, string index, string latest)
    {
        Create = create;
        Retrieve = retrieve;
        Index = index;
        Latest = latest;
    }

    public string Create { get; }

    public string Retrieve { get; }

    public string Index { get; }

    public string Latest { get; }

    public static LibraryCheckpointSql For(string schema)
    {
        const string TypeName = "ContinuationState.Extensions.AI.Workflows.Internal.WorkflowCheckpointSql";
        var type = typeof(PostgresCheckpointStore).Assembly.GetType(TypeName) ?? throw Drift($"type {TypeName}");
        var sql = type.GetMethod("For", BindingFlags.Public | BindingFlags.Static, [typeof(QualifiedNames)])?.Invoke(null, [QualifiedNames.For(schema)])
            ?? throw Drift("WorkflowCheckpointSql.For(QualifiedNames)");
        return new LibraryCheckpointSql(Property(sql, "Create"), Property(sql, "Retrieve"), Property(sql, "Index"), Property(sql, "Latest"));
    }

    private static string Property(object target, string name)
        => target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target) as string
            ?? throw Drift($"WorkflowCheckpointSql.{name}");

    private static InvalidOperationException Drift(string what)
        => new($"The benchmark reads the checkpoint store's SQL by reflection and could not find {what}; update bench/ContinuationState.Benchmarks/LibraryCheckpointSql.cs.");
}
