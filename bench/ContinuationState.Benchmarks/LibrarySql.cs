using System.Reflection;
using System.Text.RegularExpressions;

namespace ContinuationState.Benchmarks;

/// <summary>
/// The exact SQL text the library sends, read from its internal statement classes, so the raw baseline can never
/// drift from the statements it is compared with. If the library renames them, this fails with a message saying so.
/// </summary>
internal sealed partial class LibrarySql
{
    private LibrarySql(Statement save, Statement load, Statement claim, Statement release, Statement delete, Statement resolveLegacy)
    {
        Save = save;
        Load = load;
        Claim = claim;
        Release = release;
        Delete = delete;
        ResolveLegacy = resolveLegacy;
    }

    public Statement Save { get; }

    public Statement Load { get; }

    public Statement Claim { get; }

    public Statement Release { get; }

    public Statement Delete { get; }

    public Statement ResolveLegacy { get; }

    public static LibrarySql For(string schema)
    {
        var assembly = typeof(ContinuationService).Assembly;
        var namesType = assembly.GetType("ContinuationState.Internal.QualifiedNames")
            ?? throw Drift("type ContinuationState.Internal.QualifiedNames");
        var names = namesType.GetMethod("For", BindingFlags.Public | BindingFlags.Static)?.Invoke(null, [schema])
            ?? throw Drift("QualifiedNames.For(string)");
        var states = Property(names, "PendingToolStateSql");
        var conversations = Property(names, "ConversationsSql");
        return new LibrarySql(
            new Statement("save", (string)Property(states, "Save")),
            new Statement("load", (string)Property(states, "Load")),
            new Statement("claim", (string)Property(states, "Claim")),
            new Statement("release", (string)Property(states, "Release")),
            new Statement("delete", (string)Property(states, "Delete")),
            new Statement("resolve legacy id", (string)Property(conversations, "ResolveLegacy")));
    }

    private static object Property(object target, string name)
        => target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target)
            ?? throw Drift($"{target.GetType().Name}.{name}");

    private static InvalidOperationException Drift(string what)
        => new($"The benchmark reads the library's SQL by reflection and could not find {what}; update bench/ContinuationState.Benchmarks/LibrarySql.cs.");

    /// <summary>One statement and the parameter names it uses, in order of first use.</summary>
    internal sealed class Statement
    {
        public Statement(string operation, string sql)
        {
            Operation = operation;
            Sql = sql;
            Parameters = [.. ParameterName().Matches(sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];
        }

        public string Operation { get; }

        public string Sql { get; }

        public IReadOnlyList<string> Parameters { get; }
    }

    [GeneratedRegex(@"(?<![@:\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();
}
