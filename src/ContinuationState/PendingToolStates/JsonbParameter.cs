using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Internal;

/// <summary>
/// Sends already-serialized UTF-8 JSON as <c>jsonb</c>. Npgsql sends <c>byte[]</c> as <c>bytea</c> unless told
/// otherwise, and a per-value Dapper parameter keeps that choice out of process-wide type handlers.
/// </summary>
internal sealed class JsonbParameter(byte[]? utf8Json) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name)
    {
        var parameter = new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = (object?)utf8Json ?? DBNull.Value };
        command.Parameters.Add(parameter);
    }
}
