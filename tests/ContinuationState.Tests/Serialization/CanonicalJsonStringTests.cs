using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>
/// The canonical-string check decides whether parsed JSON text is copied as it is, so it must give exactly the answer
/// of its first, plainer version (kept below as the reference) for every input: each character's bytes, every two- and
/// three-byte sequence (valid, overlong, surrogate, truncated, not UTF-8) and random mixes of text and escapes.
/// </summary>
public class CanonicalJsonStringTests
{
    [Fact]
    public void EveryScalar_AloneAndInText_GivesTheReferenceAnswer()
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var scalar = 0; scalar <= 0x10FFFF; scalar += scalar < 0x10000 ? 1 : 97)
        {
            if (!Rune.IsValid(scalar))
            {
                continue;
            }

            var bytes = utf8[..new Rune(scalar).EncodeToUtf8(utf8)].ToArray();
            AssertSame(bytes);
            AssertSame([.. "ab"u8, .. bytes, .. bytes, .. "plain text follows"u8]);
            AssertSame([.. "\\n"u8, .. bytes, .. "\\u00e9"u8]);
        }
    }

    [Fact]
    public void EveryTwoAndThreeByteSequence_GivesTheReferenceAnswer()
    {
        for (var b0 = 0x80; b0 <= 0xFF; b0++)
        {
            for (var b1 = 0; b1 <= 0xFF; b1++)
            {
                AssertSame([(byte)b0, (byte)b1]);
                AssertSame([(byte)'x', (byte)b0, (byte)b1, (byte)'y']);
                AssertSame([(byte)b0]);
                AssertSame([(byte)b0, (byte)b1, 0x80]);
            }
        }

        for (var b0 = 0xE0; b0 <= 0xEF; b0++)
        {
            for (var b1 = 0; b1 <= 0xFF; b1++)
            {
                AssertSame([(byte)b0, (byte)b1]);
                for (var b2 = 0; b2 <= 0xFF; b2++)
                {
                    AssertSame([(byte)b0, (byte)b1, (byte)b2]);
                    AssertSame([(byte)b0, (byte)b1, (byte)b2, (byte)'a']);
                }
            }
        }
    }

    [Fact]
    public void RandomText_GivesTheReferenceAnswer()
    {
        string[] pieces =
        [
            "a", "plain words ", "0123456789abcdefghij", " ", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\b", "\\u00e9", "\\u0000", "\\u001f",
            "\\u0022", "\\u2028", "\\u00ad", "\\ud83d\\ude80", "\\ud800", "\\udc00", "\\ud83dx", "\\u003c", "\\u0026", "\\u0027",
            "é", "ï", "ü", "Zürich", "Привет", "日本語", "データ", "🚀", "✓", "\u00ad", "\u0378", "\u2028", "\u0600", "\ufeff",
            "\uffff", "\ufdd0", "<>&'+`", "\u007f", "\u0085", "\u00a0", "\u3040", "\u30fc",
        ];
        var random = new Random(20240506);
        var buffer = new List<byte>();
        for (var n = 0; n < 200_000; n++)
        {
            buffer.Clear();
            var count = random.Next(1, 12);
            for (var k = 0; k < count; k++)
            {
                if (random.Next(10) == 0)
                {
                    // A byte of any value: continuation bytes, overlong leads, four-byte leads, DEL, controls.
                    buffer.Add((byte)random.Next(256));
                }
                else
                {
                    buffer.AddRange(Encoding.UTF8.GetBytes(pieces[random.Next(pieces.Length)]));
                }
            }

            AssertSame([.. buffer]);
        }
    }

    [Fact]
    public void TextTheWriterWrote_IsCanonical()
    {
        var random = new Random(7);
        string[] alphabet =
        [
            "a", "b", "c", " ", "X", "Z", "0", "9", "\n", "\t", "\"", "\\", "/", "<", ">", "&", "'", "+", "é", "ï", "ü", "€", "日本語", "データ",
            "Привет", "🚀", "✓", "\u00ad", "\u2028", "\u0085", "\u00a0", "\u007f", "\u0001",
        ];
        for (var n = 0; n < 2_000; n++)
        {
            var text = new StringBuilder();
            for (var k = random.Next(0, 80); k > 0; k--)
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var json = ContinuationJson.SerializeToUtf8Bytes(text.ToString());
            var raw = json.AsSpan()[1..^1];
            Assert.True(CanonicalJsonString.IsCanonical(raw));
            Assert.True(Reference.IsCanonical(raw));
        }
    }

    private static void AssertSame(byte[] raw)
    {
        var expected = Outcome(() => Reference.IsCanonical(raw));
        var actual = Outcome(() => CanonicalJsonString.IsCanonical(raw));
        if (expected != actual)
        {
            Assert.Fail($"{Convert.ToHexString(raw)}: expected {expected}, got {actual}");
        }
    }

    private static string Outcome(Func<bool> check)
    {
        try
        {
            return check() ? "true" : "false";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    /// <summary>The check as first written, character by character: the answer the faster one must keep.</summary>
    private static class Reference
    {
        private static readonly JavaScriptEncoder Encoder = JsonCoercer.WriterOptions.Encoder!;

        // The encoder's escape for each ASCII character; null where it writes the character itself.
        private static readonly byte[]?[] AsciiEscapes = CreateAsciiEscapes();

        // ASCII the encoder writes as it is, found in bulk, and looked up one by one.
        private static readonly SearchValues<byte> PlainAscii = SearchValues.Create(
            Enumerable.Range(0, 0x80).Where(c => AsciiEscapes[c] is null).Select(c => (byte)c).ToArray());

        private static readonly bool[] IsPlainAscii = [.. AsciiEscapes.Select(escape => escape is null)];

        // The letters of the encoder's two-character escapes (\n, \").
        private static readonly bool[] IsShortEscapeLetter =
            [.. Enumerable.Range(0, 0x80).Select(c => AsciiEscapes.Any(escape => escape is { Length: 2 } && escape[1] == c))];

        // One bit per BMP character: set where the encoder writes it as it is. Asked of the encoder's own UTF-8 check,
        // once, so that it agrees with the writer character for character.
        private static readonly ulong[] WrittenAsIs = CreateWrittenAsIs();

        /// <summary>Checks raw string contents (between the quotes) that the parser has validated as JSON.</summary>
        public static bool IsCanonical(ReadOnlySpan<byte> raw)
        {
            var i = 0;
            while (true)
            {
                // Long plain stretches in bulk; then character by character while escapes and non-ASCII text come
                // every few bytes (prose with line breaks and accents), until a plain stretch begins again.
                var next = raw[i..].IndexOfAnyExcept(PlainAscii);
                if (next < 0)
                {
                    return true;
                }

                i += next;
                var plainRun = 0;
                while (i < raw.Length && plainRun < 16)
                {
                    var b = raw[i];
                    int length;
                    if (b < 0x80 && IsPlainAscii[b])
                    {
                        plainRun++;
                        i++;
                        continue;
                    }

                    if (b == (byte)'\\')
                    {
                        var letter = raw[i + 1];
                        length = letter == (byte)'u' ? UnicodeEscapeLength(raw[i..]) : letter < 0x80 && IsShortEscapeLetter[letter] ? 2 : 0;
                    }
                    else
                    {
                        // DEL (which the parser lets through and the encoder escapes) gives 0 here too.
                        length = NonAsciiLength(raw[i..]);
                    }

                    if (length == 0)
                    {
                        return false;
                    }

                    plainRun = 0;
                    i += length;
                }

                if (i == raw.Length)
                {
                    return true;
                }
            }
        }

        /// <summary>
        /// The length of the non-ASCII character <paramref name="raw"/> starts with, if the encoder writes it as it is;
        /// else 0, as for bytes that are not UTF-8.
        /// </summary>
        private static int NonAsciiLength(ReadOnlySpan<byte> raw)
        {
            int length;
            int scalar;
            var b = raw[0];
            if (b is >= 0xC2 and <= 0xDF && raw.Length >= 2 && (raw[1] & 0xC0) == 0x80)
            {
                length = 2;
                scalar = ((b & 0x1F) << 6) | (raw[1] & 0x3F);
            }
            else if ((b & 0xF0) == 0xE0 && raw.Length >= 3 && (raw[1] & 0xC0) == 0x80 && (raw[2] & 0xC0) == 0x80)
            {
                length = 3;
                scalar = ((b & 0x0F) << 12) | ((raw[1] & 0x3F) << 6) | (raw[2] & 0x3F);
                if (scalar < 0x800 || char.IsSurrogate((char)scalar))
                {
                    return 0; // overlong, or an encoded surrogate: not UTF-8
                }
            }
            else
            {
                // Outside the BMP (always escaped by the encoders we know, but asked), DEL, or not UTF-8.
                return Rune.DecodeFromUtf8(raw, out _, out length) == OperationStatus.Done && b >= 0x80
                    && Encoder.FindFirstCharacterToEncodeUtf8(raw[..length]) < 0 ? length : 0;
            }

            return (WrittenAsIs[scalar >> 6] & (1UL << (scalar & 63))) != 0 ? length : 0;
        }

        /// <summary>
        /// The length of the <c>\uXXXX</c> escape (or surrogate pair of them) that <paramref name="raw"/> starts with, if
        /// it is the encoder's escape for its character; else 0, as for U+0000 and unpaired surrogates.
        /// </summary>
        private static int UnicodeEscapeLength(ReadOnlySpan<byte> raw)
        {
            var unit = JsonStringUnescaper.Hex4(raw[2..]);
            if (char.IsHighSurrogate((char)unit)
                && raw.Length >= 12 && raw[6] == (byte)'\\' && raw[7] == (byte)'u'
                && char.IsLowSurrogate((char)JsonStringUnescaper.Hex4(raw[8..])))
            {
                var scalar = char.ConvertToUtf32((char)unit, (char)JsonStringUnescaper.Hex4(raw[8..]));
                return IsEncodersEscape(scalar, raw[..12]) ? 12 : 0;
            }

            return unit != 0 && !char.IsSurrogate((char)unit) && IsEncodersEscape(unit, raw[..6]) ? 6 : 0;
        }

        private static bool IsEncodersEscape(int scalar, ReadOnlySpan<byte> escape)
        {
            if (scalar < 0x80)
            {
                return AsciiEscapes[scalar] is { } expected && escape.SequenceEqual(expected);
            }

            Span<byte> utf8 = stackalloc byte[4];
            Span<byte> encoded = stackalloc byte[16];
            var utf8Length = new Rune(scalar).EncodeToUtf8(utf8);
            Encoder.EncodeUtf8(utf8[..utf8Length], encoded, out _, out var written);
            return escape.SequenceEqual(encoded[..written]);
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
}
