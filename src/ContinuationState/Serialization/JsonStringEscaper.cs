namespace ContinuationState.Serialization;

/// <summary>
/// Escapes UTF-8 text as the coercer's <see cref="System.Text.Json.Utf8JsonWriter"/> would, byte for byte, but faster
/// for prose: stretches the encoder leaves alone (plain ASCII found in bulk, other characters looked up in
/// <see cref="EncoderTables"/>) are copied in one piece, and the characters it escapes are written as it writes them:
/// its short escapes for ASCII, <c>\uXXXX</c> (upper-case hex) for the rest, and a pair of those for a character
/// outside the BMP. The writer instead sends the whole rest of a string through the encoder after its first emoji.
/// </summary>
internal static class JsonStringEscaper
{
    /// <summary>The most bytes one input byte can become (<c>\u001F</c> for a control character).</summary>
    public const int MaxExpansion = 6;

    private static ReadOnlySpan<byte> HexDigits => "0123456789ABCDEF"u8;

    /// <summary>Appends the escaped form of <paramref name="utf8"/> (valid UTF-8; no quotes are added).</summary>
    public static void Escape(ReadOnlySpan<byte> utf8, PooledBufferWriter output)
    {
        var destination = output.GetSpan(checked(utf8.Length * MaxExpansion));
        var written = 0;
        var start = 0;
        var i = 0;
        while (true)
        {
            while (i < utf8.Length)
            {
                var next = utf8[i..].IndexOfAnyExcept(EncoderTables.PlainAscii);
                if (next < 0)
                {
                    i = utf8.Length;
                    break;
                }

                i += next;
                int length;
                while (i < utf8.Length && utf8[i] >= 0x80 && (length = EncoderTables.WrittenAsIsLength(utf8, i)) > 0)
                {
                    i += length;
                }

                if (i < utf8.Length && (utf8[i] >= 0x80 || !EncoderTables.IsPlainAscii[utf8[i]]))
                {
                    break;
                }
            }

            utf8[start..i].CopyTo(destination[written..]);
            written += i - start;
            if (i >= utf8.Length)
            {
                output.Advance(written);
                return;
            }

            i += EscapeOne(utf8[i..], destination[written..], out var escapeLength);
            written += escapeLength;
            start = i;
        }
    }

    /// <summary>Appends bytes as they are.</summary>
    public static void Append(ReadOnlySpan<byte> bytes, PooledBufferWriter output)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    // The character at the start of text, which the encoder escapes. Returns the bytes it took.
    private static int EscapeOne(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        var first = text[0];
        if (first < 0x80)
        {
            var escape = EncoderTables.AsciiEscapes[first]!;
            escape.CopyTo(destination);
            written = escape.Length;
            return 1;
        }

        if (first < 0xE0)
        {
            written = WriteUnit(((first & 0x1F) << 6) | (text[1] & 0x3F), destination);
            return 2;
        }

        if (first < 0xF0)
        {
            written = WriteUnit(((first & 0x0F) << 12) | ((text[1] & 0x3F) << 6) | (text[2] & 0x3F), destination);
            return 3;
        }

        var scalar = ((first & 0x07) << 18) | ((text[1] & 0x3F) << 12) | ((text[2] & 0x3F) << 6) | (text[3] & 0x3F);
        var high = 0xD800 + ((scalar - 0x10000) >> 10);
        var low = 0xDC00 + ((scalar - 0x10000) & 0x3FF);
        written = WriteUnit(high, destination) + WriteUnit(low, destination[6..]);
        return 4;
    }

    private static int WriteUnit(int unit, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        destination[1] = (byte)'u';
        destination[2] = HexDigits[(unit >> 12) & 0xF];
        destination[3] = HexDigits[(unit >> 8) & 0xF];
        destination[4] = HexDigits[(unit >> 4) & 0xF];
        destination[5] = HexDigits[unit & 0xF];
        return 6;
    }
}
