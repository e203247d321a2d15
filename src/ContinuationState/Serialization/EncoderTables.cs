using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace ContinuationState.Serialization;

/// <summary>
/// What the coercer's encoder does with each character, asked of the encoder itself once, so that the code that
/// checks text (<see cref="CanonicalJsonString"/>) and the code that escapes it (<see cref="JsonStringEscaper"/>) agree
/// with the writer character for character.
/// </summary>
internal static class EncoderTables
{
    /// <summary>The writer's encoder.</summary>
    public static readonly JavaScriptEncoder Encoder = JsonCoercer.WriterOptions.Encoder!;

    /// <summary>The encoder's escape for each ASCII character; null where it writes the character itself.</summary>
    public static readonly byte[]?[] AsciiEscapes = CreateAsciiEscapes();

    /// <summary>ASCII the encoder writes as it is, found in bulk.</summary>
    public static readonly SearchValues<byte> PlainAscii = SearchValues.Create(
        Enumerable.Range(0, 0x80).Where(c => AsciiEscapes[c] is null).Select(c => (byte)c).ToArray());

    /// <summary>The same, looked up one by one.</summary>
    public static readonly bool[] IsPlainAscii = [.. AsciiEscapes.Select(escape => escape is null)];

    // One bit per BMP character: set where the encoder writes it as it is. Asked of the encoder's own UTF-8 check.
    private static readonly ulong[] WrittenAsIs = CreateWrittenAsIs();

    /// <summary>
    /// The bits of the two-byte characters, looked up straight from UTF-8: by lead byte minus 0x80 (one word per lead
    /// byte), then bit (second byte &amp; 0x3F); zero for bytes that cannot lead one (continuation bytes, and C0 and C1,
    /// which would be overlong).
    /// </summary>
    private static readonly ulong[] TwoByteWrittenAsIs = CreateTwoByteWrittenAsIs();

    /// <summary>
    /// The bits of the three-byte characters: by the low four bits of the lead byte and the low six of the next (the
    /// character's word), then bit (third byte &amp; 0x3F); zero where that would be overlong (below U+0800) or a surrogate.
    /// </summary>
    private static readonly ulong[] ThreeByteWrittenAsIs = CreateThreeByteWrittenAsIs();

    /// <summary>
    /// The length of the two- or three-byte character that starts at <paramref name="i"/> (a byte of 0x80 or more)
    /// when the encoder writes it as it is; 0 when it escapes it, when the bytes are not UTF-8 (a byte that cannot
    /// lead, a missing or wrong continuation byte), and for four-byte characters, which the encoders we know escape.
    /// </summary>
    public static int WrittenAsIsLength(ReadOnlySpan<byte> utf8, int i)
    {
        var b = utf8[i];
        if (b < 0xE0)
        {
            return i + 1 < utf8.Length && (utf8[i + 1] & 0xC0) == 0x80
                && (TwoByteWrittenAsIs[b - 0x80] & (1UL << (utf8[i + 1] & 0x3F))) != 0 ? 2 : 0;
        }

        if (b < 0xF0)
        {
            return i + 2 < utf8.Length && (utf8[i + 1] & 0xC0) == 0x80 && (utf8[i + 2] & 0xC0) == 0x80
                && (ThreeByteWrittenAsIs[((b & 0x0F) << 6) | (utf8[i + 1] & 0x3F)] & (1UL << (utf8[i + 2] & 0x3F))) != 0 ? 3 : 0;
        }

        return 0;
    }

    private static ulong[] CreateTwoByteWrittenAsIs()
    {
        // Lead bytes 0x80 to 0xDF; 0xC2 to 0xDF lead U+0080 to U+07FF, one word of 64 characters each.
        var words = new ulong[0x60];
        for (var lead = 0xC2; lead <= 0xDF; lead++)
        {
            words[lead - 0x80] = WrittenAsIs[lead & 0x1F];
        }

        return words;
    }

    private static ulong[] CreateThreeByteWrittenAsIs()
    {
        // Words 0x20 to 0x3FF are U+0800 to U+FFFF; below is overlong, and the surrogates' words are already zero.
        var words = new ulong[0x400];
        for (var word = 0x20; word < words.Length; word++)
        {
            words[word] = char.IsSurrogate((char)(word << 6)) ? 0 : WrittenAsIs[word];
        }

        return words;
    }

    private static ulong[] CreateWrittenAsIs()
    {
        var bits = new ulong[0x10000 / 64];
        Span<byte> utf8 = stackalloc byte[4];
        for (var c = 0; c < 0x10000; c++)
        {
            if (!char.IsSurrogate((char)c) && Encoder.FindFirstCharacterToEncodeUtf8(utf8[..new Rune(c).EncodeToUtf8(utf8)]) < 0)
            {
                bits[c >> 6] |= 1UL << (c & 63);
            }
        }

        return bits;
    }

    private static byte[]?[] CreateAsciiEscapes()
    {
        var escapes = new byte[]?[0x80];
        Span<byte> encoded = stackalloc byte[16];
        for (var c = 0; c < escapes.Length; c++)
        {
            Encoder.EncodeUtf8([(byte)c], encoded, out _, out var written);
            escapes[c] = written == 1 ? null : encoded[..written].ToArray();
        }

        return escapes;
    }
}
