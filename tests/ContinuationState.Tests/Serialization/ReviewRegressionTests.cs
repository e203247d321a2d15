using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>Defects a review found in the parsed-JSON paths, each pinned here.</summary>
public sealed class ReviewRegressionTests
{
    [Fact]
    public void DecodedTextGivenUpOnAtAPolicyEscape_DoesNotGoBackToThePoolReadable()
    {
        var secret = "SECRET-" + new string('s', 200);
        using var document = JsonDocument.Parse($$"""{"v":"{{secret}}\u00e9\u0000tail"}""");

        ContinuationJson.SerializeToUtf8Bytes(document.RootElement, new ContinuationJsonOptions { NulCharacters = NulCharacterPolicy.Strip });

        // The scratch buffer went back to this thread's pool slot; the next rent of its size gets it.
        var rented = ArrayPool<byte>.Shared.Rent(secret.Length + 16);
        try
        {
            Assert.DoesNotContain("SECRET", Encoding.UTF8.GetString(rented), StringComparison.Ordinal);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"a":1,"\u0061":2}""")]
    public void JsonNodeWithDuplicateNames_IsRejectedWithThePath(string json)
    {
        var node = JsonNode.Parse(json);

        JsonAssert.Rejects(new { config = node }, "$.config");
    }

    [Fact]
    public void JsonNodeWithALoneSurrogateName_IsATypedRejection()
    {
        var node = JsonNode.Parse("""{"\ud800":1}""");

        Assert.Throws<ContinuationJsonException>(() => ContinuationJson.SerializeToUtf8Bytes(node));
    }

    [Fact]
    public void InvalidUtf8InsideAJsonElementString_IsRejectedByDefault_AndReplacedOnlyWhenAskedTo()
    {
        var bytes = new byte[] { (byte)'[', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)']' };
        using var document = JsonDocument.Parse(bytes);

        JsonAssert.Rejects(document.RootElement, "$[0]");
        var replaced = JsonAssert.Serialize(document.RootElement, new ContinuationJsonOptions { LoneSurrogates = LoneSurrogatePolicy.Replace });
        Assert.Contains("\uFFFD", JsonNode.Parse(replaced)![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
