using System.Security.Cryptography;
using System.Text;

namespace ContinuationState.Internal;

/// <summary>One SQL script from <c>migrations/</c>, embedded in the assembly.</summary>
internal sealed record EmbeddedMigration(string Name, string Sql, string Checksum)
{
    private const string ResourcePrefix = "ContinuationState.Migrations.";

    public static IReadOnlyList<EmbeddedMigration> All { get; } = Load();

    /// <summary>Line endings are normalized first, so a checkout with CRLF does not look like an edit.</summary>
    public static string ChecksumOf(string sql)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static EmbeddedMigration[] Load()
    {
        var assembly = typeof(EmbeddedMigration).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(resource =>
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var sql = reader.ReadToEnd();
                var name = resource[ResourcePrefix.Length..^".sql".Length];
                return new EmbeddedMigration(name, sql, ChecksumOf(sql));
            })
            .ToArray();
    }
}
