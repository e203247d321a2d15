using System.Globalization;
using System.Text;

namespace ContinuationState.Serialization;

/// <summary>
/// Decodes the raw contents of a JSON string (between the quotes, already validated by the parser) into UTF-16,
/// keeping a <c>\uD800</c>-style escape of a lone surrogate as that lone code unit. System.Text.Json's
/// <c>GetString</c> throws on such escapes instead, which would leave the lone-surrogate policy nothing to apply to.
/// </summary>
internal static class JsonStringUnescaper
{
    public static string Unescape(ReadOnlySpan<byte> raw)
    {
        var builder = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            // A backslash is ASCII, so it never sits inside a multi-byte UTF-8 sequence: cutting there is safe.
            var backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                builder.Append(Encoding.UTF8.GetString(raw));
                break;
            }

            builder.Append(Encoding.UTF8.GetString(raw[..backslash]));
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
}
