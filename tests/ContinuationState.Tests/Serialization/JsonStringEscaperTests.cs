using System.Buffers;
using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>Long strings, written in segments, come out exactly as the coercer's Utf8JsonWriter writes them whole.</summary>
public class JsonStringEscaperTests
{
    [Fact]
    public void LongStrings_WithPairsAcrossChunkBoundaries_AreWrittenAsTheWriterWritesThem()
    {
        foreach (var offset in new[] { 0, 1, 2, 3 })
        {
            var text = new string('a', 8192 - offset) + string.Concat(Enumerable.Repeat("🚀é\"", 5_000));
            Assert.Equal(WriterEscaped(text), Encoding.UTF8.GetString(ContinuationJson.SerializeToUtf8Bytes(text))[1..^1]);
        }
    }

    private static string WriterEscaped(string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonCoercer.WriterOptions))
        {
            writer.WriteStringValue(text);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan)[1..^1];
    }
}
