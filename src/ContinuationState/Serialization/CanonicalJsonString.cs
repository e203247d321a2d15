using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace ContinuationState.Serialization;

/// <summary>
/// Whether the raw contents of a parsed JSON string are exactly what the coercer's writer would write for the text
/// they stand for, so that they can be copied as they are. The writer leaves a character as it is or replaces it by
/// the escape its encoder chooses, character by character; so raw text is written as is when every stretch between
/// escapes needs no escaping and every escape is the one the encoder would choose. JSON that this library wrote, or
/// that System.Text.Json wrote with the same encoder, passes; <c>\u00e9</c> for <c>é</c> or <c>\/</c> does not.
/// Escapes of U+0000 and unpaired surrogates never pass: the text policies must see them.
/// </summary>
internal static class CanonicalJsonString
{
    private static readonly JavaScriptEncoder Encoder = EncoderTables.Encoder;
    private static readonly byte[]?[] AsciiEscapes = EncoderTables.AsciiEscapes;
    private static readonly SearchValues<byte> PlainAscii = EncoderTables.PlainAscii;
    private static readonly bool[] IsPlainAscii = EncoderTables.IsPlainAscii;

    // The letters of the encoder's two-character escapes (\n, \").
    private static readonly bool[] IsShortEscapeLetter =
        [.. Enumerable.Range(0, 0x80).Select(c => AsciiEscapes.Any(escape => escape is { Length: 2 } && escape[1] == c))];

    /// <summary>Checks raw string contents (between the quotes) that the parser has validated as JSON.</summary>
    public static bool IsCanonical(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (true)
        {
            // Plain stretches in bulk, even the short ones between the accented words of prose (a search costs less
            // than a few bytes looked at one by one); then the characters that are not plain ASCII one by one, until
            // a plain byte.
            var next = raw[i..].IndexOfAnyExcept(PlainAscii);
            if (next < 0)
            {
                return true;
            }

            i += next;
            do
            {
                var b = raw[i];
                int length;
                if (b == (byte)'\\')
                {
                    var letter = raw[i + 1];
                    length = letter == (byte)'u' ? UnicodeEscapeLength(raw[i..]) : letter < 0x80 && IsShortEscapeLetter[letter] ? 2 : 0;
                }
                else if (b < 0x80)
                {
                    // ASCII the encoder escapes, as DEL (which the parser lets through).
                    return false;
                }
                else if (b < 0xF0)
                {
                    // Two- and three-byte characters (the rest of the BMP) looked up in one step, UTF-8 checked on the way.
                    length = EncoderTables.WrittenAsIsLength(raw, i);
                }
                else
                {
                    length = SupplementaryLength(raw[i..]);
                }

                if (length == 0)
                {
                    return false;
                }

                i += length;
            }
            while (i < raw.Length && (raw[i] >= 0x80 || !IsPlainAscii[raw[i]]));
        }
    }

    /// <summary>
    /// The length of the character outside the BMP that <paramref name="raw"/> starts with (a lead byte of 0xF0 or
    /// more), if the encoder writes it as it is (the encoders we know always escape these, but it is asked); else 0,
    /// as for bytes that are not UTF-8. One- to three-byte characters are judged by the tables above.
    /// </summary>
    private static int SupplementaryLength(ReadOnlySpan<byte> raw)
        => Rune.DecodeFromUtf8(raw, out _, out var length) == OperationStatus.Done
            && Encoder.FindFirstCharacterToEncodeUtf8(raw[..length]) < 0 ? length : 0;

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
}
