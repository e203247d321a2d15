using System.Text;
using System.Text.Json.Nodes;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>Serializes with <see cref="ContinuationJson"/> and compares JSON semantically (jsonb keeps no key order).</summary>
internal static class JsonAssert
{
    public static string Serialize(object? value, ContinuationJsonOptions? options = null) =>
        Encoding.UTF8.GetString(ContinuationJson.SerializeToUtf8Bytes(value, options));

    public static void Coerces(string expectedJson, object? value, ContinuationJsonOptions? options = null)
    {
        var actual = Serialize(value, options);
        var expected = JsonNode.Parse(expectedJson);
        Assert.True(
            JsonNode.DeepEquals(expected, JsonNode.Parse(actual)),
            $"Expected {expected?.ToJsonString() ?? "null"} but got {actual}");
    }

    public static ContinuationJsonException Rejects(object? value, string expectedPath, ContinuationJsonOptions? options = null)
    {
        var exception = Assert.Throws<ContinuationJsonException>(() => ContinuationJson.SerializeToUtf8Bytes(value, options));
        Assert.Equal(expectedPath, exception.JsonPath);
        return exception;
    }
}
