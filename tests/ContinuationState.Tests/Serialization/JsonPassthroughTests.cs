using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class JsonPassthroughTests
{
    private const string Sample = """{"a":[1,2.50,-3e2,true,false,null],"b":{"c":"d\u00e9\n"},"e":12345678901234567890123}""";

    [Fact]
    public void JsonElement_IsCopiedKeepingNumbersExactly()
    {
        using var document = JsonDocument.Parse(Sample);
        Assert.Equal(
            """{"a":[1,2.50,-3e2,true,false,null],"b":{"c":"dé\n"},"e":12345678901234567890123}""",
            JsonAssert.Serialize(document.RootElement));
    }

    [Fact]
    public void JsonDocument_IsCopied()
    {
        using var document = JsonDocument.Parse(Sample);
        JsonAssert.Coerces(Sample, document);
    }

    [Fact]
    public void JsonNode_IsCopied()
    {
        JsonAssert.Coerces(Sample, JsonNode.Parse(Sample));
        JsonAssert.Coerces("""{"n":[1,"x",null]}""", new JsonObject { ["n"] = new JsonArray(1, "x", null) });
    }

    [Fact]
    public void JsonElementWithNulEscape_IsRejectedWithThePath()
    {
        using var document = JsonDocument.Parse("""{"messages":[{"content":"a\u0000b"}]}""");
        JsonAssert.Rejects(document.RootElement, "$.messages[0].content");
    }

    [Fact]
    public void JsonElementWithLoneSurrogateEscape_IsRejectedOrReplaced()
    {
        using var document = JsonDocument.Parse("""{"k\ud800":"x\udc00y"}""");
        JsonAssert.Rejects(document.RootElement, "$['k\\ud800']");
        var replace = new ContinuationJsonOptions { LoneSurrogates = LoneSurrogatePolicy.Replace };
        Assert.Equal("{\"k\uFFFD\":\"x\uFFFDy\"}", JsonAssert.Serialize(document.RootElement, replace));
    }

    [Fact]
    public void JsonValueWrappingNaN_IsRejectedWithThePath()
    {
        var node = new JsonObject { ["scores"] = new JsonArray(1.0, JsonValue.Create(double.NaN)) };
        JsonAssert.Rejects(node, "$.scores[1]");
    }

    [Fact]
    public void JsonValueWrappingClrValues_FollowsTheClrRules()
    {
        var node = new JsonArray(JsonValue.Create(1.10m), JsonValue.Create(Guid.Empty), JsonValue.Create('c'));
        JsonAssert.Coerces("""["1.10","00000000-0000-0000-0000-000000000000","c"]""", node);
    }

    [Theory]
    [InlineData("1e131071", true)]
    [InlineData("1e131072", false)]
    [InlineData("0.001e131074", true)]
    [InlineData("1.0e-16382", true)]
    [InlineData("1.00e-16382", false)]
    [InlineData("0e-16384", false)]
    [InlineData("1e999999999", false)]
    [InlineData("-12.5E+3", true)]
    public void JsonNumbers_AreCheckedAgainstPostgresNumericLimits(string number, bool fits)
    {
        using var document = JsonDocument.Parse($"[{number}]");
        if (fits)
        {
            Assert.Equal($"[{number}]", JsonAssert.Serialize(document));
        }
        else
        {
            JsonAssert.Rejects(document, "$[0]");
        }
    }

    [Fact]
    public void DefaultJsonElement_IsRejected()
    {
        JsonAssert.Rejects(new { e = default(JsonElement) }, "$.e");
    }

    [Fact]
    public void ToJsonNode_ReturnsTheCoercedForm()
    {
        var node = ContinuationJson.ToJsonNode(new { price = 1.10m, at = new DateOnly(2024, 1, 2) });
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"price":"1.10","at":"2024-01-02"}"""), node));
        Assert.Null(ContinuationJson.ToJsonNode(null));
    }
}
