using System.Globalization;
using System.Text;

namespace ContinuationState.Serialization;

/// <summary>
/// Decodes the raw contents of a JSON string (between the quotes, already validated by the parser). Into UTF-16,
/// keeping a <c>\uD800</c>-style escape of a lone surrogate as that lone code unit: System.Text.Json's
/// <c>GetString</c> throws on such escapes instead, which would leave the lone-surrogate policy nothing to apply to.
/// Or into UTF-8, for text no policy has to look at.
/// </summary>
internal static class JsonStringUnescaper
{
    /// <summary>
    /// Decodes <paramref name="raw"/> into UTF-8 in <paramref name="destination"/>, which needs no more room than
    /// <paramref name="raw"/> takes (every escape is longer than what it stands for). Returns false, leaving the
    /// text to the policies, when an escape stands for U+0000 or an unpaired surrogate.
    /// </summary>
    public static bool TryUnescapeUtf8(ReadOnlySpan<byte> raw, Span<byte> destination, out int written)
    {
        written = 0;
        while (true)
        {
            var backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                raw.CopyTo(destination[written..]);
                written += raw.Length;
                return true;
            }

            raw[..backslash].CopyTo(destination[written..]);
            written += backslash;
            var escape = raw[backslash + 1];
            raw = raw[(backslash + 2)..];
            switch (escape)
            {
                case (byte)'b': destination[written++] = (byte)'\b'; break;
                case (byte)'f': destination[written++] = (byte)'\f'; break;
                case (byte)'n': destination[written++] = (byte)'\n'; break;
                case (byte)'r': destination[written++] = (byte)'\r'; break;
                case (byte)'t': destination[written++] = (byte)'\t'; break;
                case (byte)'u':
                    var unit = Hex4(raw);
                    raw = raw[4..];
                    int scalar;
                    if (unit == 0 || char.IsLowSurrogate((char)unit))
                    {
                        return false;
                    }
                    else if (char.IsHighSurrogate((char)unit))
                    {
                        if (raw.Length < 6 || raw[0] != (byte)'\\' || raw[1] != (byte)'u' || !char.IsLowSurrogate((char)Hex4(raw[2..])))
                        {
                            return false;
                        }

                        scalar = char.ConvertToUtf32((char)unit, (char)Hex4(raw[2..]));
                        raw = raw[6..];
                    }
                    else
                    {
                        scalar = unit;
                    }

                    written += new Rune(scalar).EncodeToUtf8(destination[written..]);
                    break;
                default: destination[written++] = escape; break; // '"', '\\' and '/' stand for themselves
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes raw string contents; <paramref name="strict"/> throws <see cref="DecoderFallbackException"/> on bytes that are not UTF-8, else they become U+FFFD.</summary>
    public static string Unescape(ReadOnlySpan<byte> raw, bool strict = false)
    {
        var utf8 = strict ? StrictUtf8 : Encoding.UTF8;
        var builder = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            // A backslash is ASCII, so it never sits inside a multi-byte UTF-8 sequence: cutting there is safe.
            var backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                builder.Append(utf8.GetString(raw));
                break;
            }

            builder.Append(utf8.GetString(raw[..backslash]));
            var escape = (char)raw[backslash + 1];
            raw = raw[(backslash + 2)..];
            switch (escape)
            {
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    builder.Append((char)int.Parse(raw[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    raw = raw[4..];
                    break;
                default: builder.Append(escape); break; // '"', '\\' and '/' stand for themselves
            }
        }

        return builder.ToString();
    }

    // Four hex digits the parser has already checked.
    internal static int Hex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var digit = hex[i];
            value = (value << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        return value;
    }
}
