using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContinuationState.Internal;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// Writes every string and dictionary key with U+0000 and lone surrogates replaced by a marker of plain ASCII letters
/// (a per-process random prefix and the code unit in hex), which no encoder escapes and no text holds by chance;
/// <see cref="Unmark"/> then puts each back as a <c>\u</c> escape (for a jsonb part) or as the raw character (for a
/// text copy). Without it System.Text.Json's writer turns a lone surrogate into U+FFFD, silently, before the core's
/// <c>LoneSurrogates</c> policy could refuse it; every other string is written exactly as the writer writes it.
/// </summary>
internal sealed class UnstorableTextConverter : JsonConverter<string>
{
    private static readonly string Marker = "zCSu" + Guid.NewGuid().ToString("N") + "x";
    private static readonly byte[] MarkerBytes = Encoding.ASCII.GetBytes(Marker);

    /// <summary>Serializes <paramref name="value"/> and tells whether any text was marked.</summary>
    public static (byte[] Bytes, bool Marked) Write<T>(T value, JsonSerializerOptions options)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, options);
        return (bytes, bytes.AsSpan().IndexOf(MarkerBytes) >= 0);
    }

    /// <summary>Whether <paramref name="text"/> holds marked code units.</summary>
    public static bool IsMarked(string text) => text.Contains(Marker, StringComparison.Ordinal);

    /// <summary>A string or key for a <c>JsonNode</c> built by hand, marked as the converter would write it.</summary>
    public static string Mark(string value)
    {
        var at = UnstorableText.IndexOf(value);
        if (at < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        var copied = 0;
        while (at >= 0)
        {
            builder.Append(value, copied, at - copied).Append(Marker).Append(((int)value[at]).ToString("X4", CultureInfo.InvariantCulture));
            copied = at + 1;

            // What follows a lone surrogate cannot have been its partner, so the rest is searched on its own.
            var next = UnstorableText.IndexOf(value.AsSpan(copied));
            at = next < 0 ? -1 : copied + next;
        }

        return builder.Append(value, copied, value.Length - copied).ToString();
    }

    /// <summary>Puts each marked code unit back: a <c>\uXXXX</c> escape, or the raw character.</summary>
    public static string Unmark(string text, bool escape)
    {
        var builder = new StringBuilder(text.Length);
        var start = 0;
        int at;
        while ((at = text.IndexOf(Marker, start, StringComparison.Ordinal)) >= 0)
        {
            builder.Append(text, start, at - start);
            var hex = text.AsSpan(at + Marker.Length, 4);
            if (escape)
            {
                builder.Append("\\u").Append(hex);
            }
            else
            {
                builder.Append((char)ushort.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            }

            start = at + Marker.Length + 4;
        }

        return builder.Append(text, start, text.Length - start).ToString();
    }

    /// <inheritdoc />
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(Mark(value));

    /// <inheritdoc />
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

    /// <inheritdoc />
    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(Mark(value));
}
