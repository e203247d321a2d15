using System.Buffers;
using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>The escaper writes every character exactly as the coercer's Utf8JsonWriter does.</summary>
public class JsonStringEscaperTests
{
    [Fact]
    public void EveryCharacterOfTheBmp_IsWrittenAsTheWriterWritesIt()
    {
        var mismatches = new List<string>();
        for (var c = 0; c < 0x10000; c++)
        {
            if (char.IsSurrogate((char)c))
            {
                continue;
            }

            var text = ((char)c).ToString();
            if (Escaped(text) != WriterEscaped(text))
            {
                mismatches.Add($"U+{c:X4}: {Escaped(text)} vs {WriterEscaped(text)}");
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public void CharactersOutsideTheBmp_AreWrittenAsTheWriterWritesThem()
    {
        for (var scalar = 0x10000; scalar <= 0x10FFFF; scalar += 97)
        {
            var text = char.ConvertFromUtf32(scalar);
            Assert.Equal(WriterEscaped(text), Escaped(text));
        }

        Assert.Equal("\\uD83D\\uDE80", Escaped("🚀"));
    }

    [Fact]
    public void RandomText_IsWrittenAsTheWriterWritesIt()
    {
        string[] pieces = ["plain ", "é", "日本語", "🚀", "\n", "\"", "\\", "/", "<&>'", "\u0001", "\u007f", "\u0085", "\u2028", "\uFEFF", "\uFFFD", "𝄞", "x"];
        var random = new Random(11);
        for (var i = 0; i < 5_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)]));
            Assert.Equal(WriterEscaped(text), Escaped(text));
        }
    }

    [Fact]
    public void LongStrings_WithPairsAcrossChunkBoundaries_AreWrittenAsTheWriterWritesThem()
    {
        foreach (var offset in new[] { 0, 1, 2, 3 })
        {
            var text = new string('a', 8192 - offset) + string.Concat(Enumerable.Repeat("🚀é\"", 5_000));
            Assert.Equal(WriterEscaped(text), Encoding.UTF8.GetString(ContinuationJson.SerializeToUtf8Bytes(text))[1..^1]);
        }
    }

    private static string Escaped(string text)
    {
        using var output = new PooledBufferWriter();
        JsonStringEscaper.Escape(Encoding.UTF8.GetBytes(text), output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
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
