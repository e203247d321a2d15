using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Internal;

/// <summary>
/// Sends already-serialized UTF-8 JSON as <c>jsonb</c>. Npgsql sends bytes as <c>bytea</c> unless told otherwise,
/// and a per-value Dapper parameter keeps that choice out of process-wide type handlers. The bytes may be a slice
/// of a larger array (Npgsql writes <see cref="ReadOnlyMemory{T}"/> of bytes to jsonb as is); null sends SQL NULL.
/// </summary>
internal sealed class JsonbParameter : SqlMapper.ICustomQueryParameter
{
    private readonly ReadOnlyMemory<byte>? _utf8Json;

    public JsonbParameter(ReadOnlyMemory<byte>? utf8Json)
    {
        _utf8Json = utf8Json;
    }

    // Its own overload, and no conditional expression: a null byte[] converts to an empty ReadOnlyMemory, which
    // would be sent as (invalid) empty jsonb instead of NULL.
    public JsonbParameter(byte[]? utf8Json)
    {
        if (utf8Json is not null)
        {
            _utf8Json = utf8Json;
        }
    }

    public void AddParameter(IDbCommand command, string name) => command.Parameters.Add(Create(name, _utf8Json));

    /// <summary>The jsonb parameter itself: the bytes, or SQL NULL for null.</summary>
    public static NpgsqlParameter Create(string name, ReadOnlyMemory<byte>? utf8Json) => utf8Json is { } json
        ? new NpgsqlParameter<ReadOnlyMemory<byte>>(name, NpgsqlDbType.Jsonb) { TypedValue = json }
        : new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = DBNull.Value };
}
