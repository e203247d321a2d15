using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>The columns of one state, written one after another by one writer into one buffer.</summary>
public class JsonColumnWriterTests
{
    [Fact]
    public void Columns_AreWrittenBackToBack_WithTheirOwnRootPaths_AndOneBudget()
    {
        using var first = JsonDocument.Parse("""[{"content":"hi"}]""");
        using var second = JsonDocument.Parse("""{"x":"\u0000"}""");
        var budget = new ContinuationJsonBudget(1_000);
        using var columns = new JsonColumnWriter(new ContinuationJsonOptions(), budget);

        var messages = columns.Write(first.RootElement, "$.messages");
        var config = columns.Write(new { model = "m" }, "$.agent_config");
        Assert.Equal("""[{"content":"hi"}]""", Encoding.UTF8.GetString(columns.WrittenSpan[messages]));
        Assert.Equal("""{"model":"m"}""", Encoding.UTF8.GetString(columns.WrittenSpan[config]));
        Assert.Equal(1_000 - columns.WrittenSpan.Length, budget.Remaining);

        var exception = Assert.Throws<ContinuationJsonException>(() => columns.Write(second.RootElement, "$.tools_dict"));
        Assert.Equal("$.tools_dict.x", exception.JsonPath);
    }

    [Fact]
    public void ParsedJsonOfTheExpectedSize_IsHandedOutInTheRentedArray_WithoutACopy()
    {
        var json = JsonAssert.Serialize(new { messages = Enumerable.Range(0, 2_000).Select(i => new { role = "user", content = $"message {i}\n" }) });
        using var document = JsonDocument.Parse(json);
        var expected = JsonColumnWriter.ParsedJsonLength(document.RootElement) + JsonColumnWriter.ParsedJsonLength(document);
        Assert.True(expected > 64 * 1024);

        using var columns = new JsonColumnWriter(new ContinuationJsonOptions(), new ContinuationJsonBudget(1 << 20), expected);
        var first = columns.Write(document.RootElement, "$.messages");
        var second = columns.Write(document, "$.tool_schemas");
        var written = columns.WrittenMemory;

        Assert.True(MemoryMarshal.TryGetArray(written, out var segment));
        Assert.True(segment.Array!.Length >= expected, "Expected one array of the expected size from the start.");
        Assert.Equal(json, Encoding.UTF8.GetString(written.Span[first]));
        Assert.Equal(json, Encoding.UTF8.GetString(written.Span[second]));
    }

    [Fact]
    public void OutputLargerThanExpected_IsStillWholeAndExact()
    {
        var big = new { text = string.Concat(Enumerable.Repeat("é🚀 ", 30_000)) };
        using var columns = new JsonColumnWriter(new ContinuationJsonOptions(), new ContinuationJsonBudget(1 << 22), expectedBytes: 40_000);
        var range = columns.Write(big, "$.messages");
        var written = columns.WrittenMemory;

        Assert.Equal(JsonAssert.Serialize(big), Encoding.UTF8.GetString(written.Span[range]));
        Assert.Equal(written.Length, range.End.Value);
    }

    [Fact]
    public void ParsedJsonLength_IsTheRawSizeOfParsedJson_AndZeroForOtherValues()
    {
        using var document = JsonDocument.Parse(" [1, 2] ");
        Assert.Equal(6, JsonColumnWriter.ParsedJsonLength(document));
        Assert.Equal(6, JsonColumnWriter.ParsedJsonLength(document.RootElement));
        Assert.Equal(0, JsonColumnWriter.ParsedJsonLength(new[] { 1, 2 }));
        Assert.Equal(0, JsonColumnWriter.ParsedJsonLength(default(JsonElement)));
        Assert.Equal(0, JsonColumnWriter.ParsedJsonLength(null));
    }
}
