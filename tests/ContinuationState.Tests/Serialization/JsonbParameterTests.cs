using ContinuationState.Internal;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState.Tests.Serialization;

/// <summary>How serialized JSON is bound: jsonb from a slice of a shared array, or SQL NULL.</summary>
public class JsonbParameterTests
{
    [Fact]
    public void NullBytes_AndNullMemory_AreSentAsSqlNull()
    {
        // A null byte[] converts to an empty ReadOnlyMemory, which jsonb would refuse: it must stay NULL.
        Assert.Equal(DBNull.Value, Bind(new JsonbParameter((byte[]?)null)).Value);
        Assert.Equal(DBNull.Value, Bind(new JsonbParameter((ReadOnlyMemory<byte>?)null)).Value);
    }

    [Fact]
    public void Slices_AreSentAsJsonb_WithoutACopy()
    {
        var shared = "[1]{\"a\":2}"u8.ToArray();
        var parameter = Assert.IsType<NpgsqlParameter<ReadOnlyMemory<byte>>>(Bind(new JsonbParameter(shared.AsMemory(3))));
        Assert.Equal(NpgsqlDbType.Jsonb, parameter.NpgsqlDbType);
        Assert.Equal("{\"a\":2}"u8.ToArray(), parameter.TypedValue.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(parameter.TypedValue, out var segment) && segment.Array == shared);

        var whole = Assert.IsType<NpgsqlParameter<ReadOnlyMemory<byte>>>(Bind(new JsonbParameter(shared)));
        Assert.Equal(shared.Length, whole.TypedValue.Length);
    }

    private static NpgsqlParameter Bind(JsonbParameter value)
    {
        using var command = new NpgsqlCommand();
        ((Dapper.SqlMapper.ICustomQueryParameter)value).AddParameter(command, "p");
        return command.Parameters["p"];
    }
}
